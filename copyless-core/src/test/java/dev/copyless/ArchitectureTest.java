package dev.copyless;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/ARCHITECTURE.md, checked on core's bytecode: no cycles between
 * packages; the guest side (guest, balancer, workload) reaches the host only through the
 * hypervisor and the seam ({@code host}), never the simulated kernel; the seam knows neither
 * backend; the simulated kernel knows no guest, hypervisor or scenario. And, on every module's
 * sources, no fully-qualified {@code dev.copyless} name in code where an import belongs.
 */
class ArchitectureTest {
    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.copyless");
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.copyless.(*)..").should().beFreeOfCycles().check(core);
    }

    @Test
    void theGuestReachesTheHostOnlyThroughTheHypervisorAndTheSeam() {
        noClasses().that().resideInAnyPackage("dev.copyless.guest..", "dev.copyless.balancer..", "dev.copyless.workload..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.kernel..", "dev.copyless.swap..",
                        "dev.copyless.sim..", "dev.copyless.sweep..")
                .check(core);
    }

    @Test
    void theSeamKnowsNeitherBackendNorGuest() {
        noClasses().that().resideInAPackage("dev.copyless.host..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.kernel..", "dev.copyless.sim..",
                        "dev.copyless.hypervisor..", "dev.copyless.guest..", "dev.copyless.balancer..",
                        "dev.copyless.scenario..", "dev.copyless.swap..")
                .check(core);
    }

    @Test
    void theSimulatedKernelKnowsNoGuestHypervisorOrScenario() {
        noClasses().that().resideInAPackage("dev.copyless.kernel..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.guest..", "dev.copyless.balancer..",
                        "dev.copyless.hypervisor..", "dev.copyless.scenario..", "dev.copyless.sim..",
                        "dev.copyless.workload..")
                .check(core);
    }

    @Test
    void theHypervisorUsesTheHostOnlyThroughTheSeam() {
        noClasses().that().resideInAPackage("dev.copyless.hypervisor..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.kernel..", "dev.copyless.sim..",
                        "dev.copyless.guest..", "dev.copyless.balancer..")
                .check(core);
    }

    /** {@code dev.copyless.x.Y} written in code (not in a comment, a string, an import or a package line). */
    private static final Pattern INLINE_NAME = Pattern.compile("\\bdev\\.copyless\\.[a-z.]+\\.[A-Z]\\w*");

    @Test
    void noInlineFullyQualifiedNamesInAnyModule() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")
                    && p.toString().contains("/src/") && !p.toString().contains("/target/"))::iterator) {
                String[] lines = masked(Files.readString(f)).split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    String l = lines[i];
                    if (l.startsWith("import ") || l.startsWith("package ")) {
                        continue;
                    }
                    Matcher m = INLINE_NAME.matcher(l);
                    while (m.find()) {
                        found.add(root.relativize(f) + ":" + (i + 1) + " " + m.group());
                    }
                }
            }
        }
        assertThat(found).as("inline fully-qualified names (import them; rename a class whose simple name clashes)")
                .isEmpty();
    }

    /** The source with comments and string literals blanked out, line structure kept. */
    static String masked(String s) {
        StringBuilder b = new StringBuilder(s);
        Matcher m = Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"(\\\\.|[^\"\\\\\\n])*\"", Pattern.DOTALL).matcher(s);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                if (b.charAt(i) != '\n') {
                    b.setCharAt(i, ' ');
                }
            }
        }
        return b.toString();
    }
}
