package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sweep.SweepPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.BroadcastBlockId;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The engine's broadcast variables (the base scenario, the traces) are gone from the block
 * manager when {@link SparkSweepEngine#run} returns, so Spark's {@code ContextCleaner} has
 * nothing of theirs left to remove: a removal still in flight when the cleaner removes the same
 * broadcast logs "Asked to remove block broadcast_N, which does not exist" on the sweep's
 * terminal (seen in CI, in {@link SparkConsoleTest}).
 */
class SparkBroadcastTest {
    @Test
    void aFinishedSweepHasRemovedItsBroadcastsWhenRunReturns() throws Exception {
        Scenario base = ScenarioParser.busyDefault(100_000_000L);
        List<SweepPoint> points = List.of(new SweepPoint(0, 1, Map.of("memory-pressure", "1.1"), List.of("copyless")),
                new SweepPoint(1, 1, Map.of("memory-pressure", "1.3"), List.of("copyless")));
        List<Integer> rows = new ArrayList<>();
        try (SparkSweepEngine engine = SparkSweepEngine.open("local[2]")) {
            BlockManager bm = SparkEnv.get().blockManager();
            for (int sweep = 0; sweep < 3; sweep++) {
                engine.run(base, points, (p, row) -> rows.add(p.id()));
                assertThat(broadcastValues(bm)).as("sweep %d: values still broadcast when run returned", sweep)
                        .noneMatch(v -> v instanceof Scenario || v instanceof TraceShipment);
            }
        }
        assertThat(rows).hasSize(6).containsOnly(0, 1);
    }

    /** The values of the broadcast variables this JVM's block manager holds (local mode: the driver's and the executors'). */
    private static List<Object> broadcastValues(BlockManager bm) {
        List<Object> values = new ArrayList<>();
        for (BlockId id : CollectionConverters.asJava(bm.getMatchingBlockIds(new AbstractFunction1<BlockId, Object>() {
            @Override
            public Object apply(BlockId b) {
                return b instanceof BroadcastBlockId bb && bb.field().isEmpty(); // the value, not its serialized pieces
            }
        }))) {
            Option<BlockResult> r = bm.getLocalValues(id);
            if (r.isDefined()) {
                values.add(r.get().data().next());
                bm.releaseLock(id, Option.empty());
            }
        }
        return values;
    }
}
