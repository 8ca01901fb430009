package dev.copyless.linux;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The Linux backend stands beside the simulated host, not on it: it implements the seam
 * ({@code dev.copyless.host}) with real memory and the kernel's swap and uses the seam's shared
 * pieces, never the simulated kernel ({@code dev.copyless.kernel}, {@code dev.copyless.swap})
 * or the reliability tooling.
 */
class LinuxArchitectureTest {
    private static final JavaClasses LINUX = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")).importPackages("dev.copyless.linux");

    @Test
    void theLinuxBackendNeverUsesTheSimulatedKernel() {
        noClasses().that().resideInAPackage("dev.copyless.linux..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.kernel..", "dev.copyless.swap..",
                        "dev.copyless.stress..", "dev.copyless.reliability..")
                .check(LINUX);
    }
}
