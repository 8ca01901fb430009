package dev.copyless.reliability;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The reliability tooling and core together have no package cycle (the tooling sits on top of core). */
class ReliabilityArchitectureTest {
    private static final JavaClasses ALL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")).importPackages("dev.copyless");

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.copyless.(*)..").should().beFreeOfCycles().check(ALL);
    }
}
