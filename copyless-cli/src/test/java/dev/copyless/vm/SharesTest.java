package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Shares}: the fewest read-only folders that hold the class path and the working folder. */
class SharesTest {
    // under the module's target folder: a @TempDir in /tmp is a folder the guest mounts itself
    private static final Path BASE = Path.of("target", "shares-test").toAbsolutePath();
    private static final Path REPO = BASE.resolve("repo");
    private static final Path M2 = BASE.resolve("m2/repository");
    private static final Path JDK = Path.of("/usr/lib/jvm/j");

    @BeforeAll
    static void layout() throws Exception {
        Files.createDirectories(REPO.resolve("copyless-cli/target/classes"));
        Files.createDirectories(REPO.resolve("copyless-core/target/classes"));
        Files.writeString(REPO.resolve("mvnw"), "");
        Files.writeString(REPO.resolve("pom.xml"), "");
        Files.writeString(REPO.resolve("copyless-cli/pom.xml"), "");
        Files.createDirectories(M2.resolve("info/picocli/picocli/4.7.7"));
        Files.writeString(M2.resolve("info/picocli/picocli/4.7.7/picocli-4.7.7.jar"), "");
        Files.createDirectories(BASE.resolve("elsewhere"));
        Files.writeString(BASE.resolve("elsewhere/x.jar"), "");
    }

    @Test
    void theRepositoryTheMavenRepositoryAndTheJdk() {
        List<Share> s = Shares.of(JDK, List.of(REPO.resolve("copyless-cli/target/classes"),
                REPO.resolve("copyless-core/target/classes"), M2.resolve("info/picocli/picocli/4.7.7/picocli-4.7.7.jar")),
                REPO.resolve("copyless-cli"), M2);
        assertThat(s.get(0).hostPath()).isEqualTo(JDK);
        assertThat(s).extracting(Share::hostPath).containsExactlyInAnyOrder(JDK, M2, REPO);
        assertThat(s).allMatch(Share::readOnly);
        assertThat(s).allMatch(x -> x.guestPath().equals(x.hostPath().toString()));
        assertThat(s).extracting(Share::tag).doesNotHaveDuplicates();
        assertThat(Shares.guestCwd(s, REPO.resolve("copyless-cli"))).isEqualTo(REPO.resolve("copyless-cli").toString());
    }

    @Test
    void aJarBringsTheBuildItLiesInAndTheWorkingFolderComesToo() {
        // BASE lies in this module's build, so the nearest repository of elsewhere/x.jar is this one
        Path thisRepo = Shares.repositoryOf(BASE);
        assertThat(thisRepo).isNotNull();
        List<Share> s = Shares.of(JDK, List.of(BASE.resolve("elsewhere/x.jar")), M2.resolve("info"), M2);
        assertThat(s).extracting(Share::hostPath).containsExactly(JDK, thisRepo);
        List<Share> t = Shares.of(JDK, List.of(M2.resolve("info/picocli/picocli/4.7.7/picocli-4.7.7.jar")), M2.resolve("info"), M2);
        assertThat(t).extracting(Share::hostPath).as("the working folder inside the Maven repository").containsExactly(JDK, M2);
    }

    @Test
    void noShareHidesAGuestFolder() {
        List<Share> s = Shares.of(JDK, List.of(REPO.resolve("copyless-cli/target/classes")), Path.of("/proc/work"), M2);
        assertThat(s).extracting(Share::hostPath).containsExactly(JDK, REPO);
        assertThat(Shares.guestCwd(s, Path.of("/proc/work"))).isEqualTo("/");
        assertThat(Shares.shareable(Path.of("/"))).isFalse();
        assertThat(Shares.shareable(Path.of("/root"))).isFalse();
        assertThat(Shares.shareable(Path.of("/root/.m2/repository"))).isTrue();
        assertThat(Shares.shareable(Path.of("/usr"))).as("it holds /usr/bin").isFalse();
        assertThat(Shares.shareable(Path.of("/proc/self"))).isFalse();
        assertThat(Shares.shareable(Path.of("/tmp"))).as("the guest's tmpfs itself").isFalse();
        assertThat(Shares.shareable(Path.of("/tmp/fresh"))).as("a clone in /tmp goes inside the guest's tmpfs").isTrue();
        assertThatThrownBy(() -> Shares.of(JDK, List.of(Path.of("/etc/x/app.jar")), REPO, M2))
                .isInstanceOf(VmException.class).hasMessageContaining("/etc/x");
    }
}
