package dev.copyless.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.ScenarioParser;
import org.junit.jupiter.api.Test;

/** The one list of policies: every key builds its policy, and nothing else is a policy. */
class BalancingPolicyTest {

    @Test
    void everyKeyBuildsThePolicyOfThatKeyInComparisonOrder() {
        assertThat(BalancingPolicy.KEYS).containsExactly("none", "naive", "copyless", "copyless-holdback");
        for (String key : BalancingPolicy.KEYS) {
            BalancingPolicy p = BalancingPolicy.of(key, ScenarioParser.defaultScenario().copyless());
            assertThat(p.key()).isEqualTo(key);
            assertThat(BalancingPolicy.isKey(key)).isTrue();
        }
        assertThat(BalancingPolicy.of(BalancingPolicy.NONE, MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .isInstanceOf(NoBalancing.class);
        assertThat(BalancingPolicy.of(BalancingPolicy.NAIVE, MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .isInstanceOf(NaiveBalancing.class);
        assertThat(BalancingPolicy.of(BalancingPolicy.COPYLESS_HOLDBACK, MigrationOrder.MAP_THEN_MIGRATE, 4))
                .isEqualTo(new CopylessBalancing(MigrationOrder.MAP_THEN_MIGRATE, true, 4));
        assertThat(BalancingPolicy.KEYS_CSV.split(",")).containsExactlyElementsOf(BalancingPolicy.KEYS);
        assertThat(BalancingPolicy.of(BalancingPolicy.COPYLESS, MigrationOrder.MAP_THEN_MIGRATE, 4))
                .isEqualTo(new CopylessBalancing(MigrationOrder.MAP_THEN_MIGRATE, false, 4));
        assertThat(BalancingPolicy.KEYS_TEXT).isEqualTo("none, naive, copyless or copyless-holdback");
        assertThat(BalancingPolicy.RATIO_KEYS).allSatisfy(k -> assertThat(BalancingPolicy.KEYS).contains(k));
        assertThat(BalancingPolicy.KEYS).contains(BalancingPolicy.RATIO_BASE);
    }

    @Test
    void theKeyAloneDecidesHoldBack() {
        for (String key : BalancingPolicy.KEYS) {
            BalancingPolicy p = BalancingPolicy.of(key, ScenarioParser.defaultScenario().copyless());
            assertThat(p.holdBack()).as(key).isEqualTo(key.equals(BalancingPolicy.COPYLESS_HOLDBACK));
        }
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheKeys() {
        assertThat(BalancingPolicy.isKey("Copyless")).isFalse();
        assertThatThrownBy(() -> BalancingPolicy.of("autonuma", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'autonuma'")
                .hasMessageContaining("none, naive, copyless or copyless-holdback");
    }
}
