package dev.copyless.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The CLI's packages have no cycle between them or with the modules below, and the report
 * writer knows nothing of the commands that call it; nothing below the CLI depends on it.
 */
class CliArchitectureTest {
    private static final JavaClasses ALL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")).importPackages("dev.copyless");

    @Test
    void noCyclesBetweenPackagesOfAnyModule() {
        slices().matching("dev.copyless.(*)..").should().beFreeOfCycles().check(ALL);
    }

    @Test
    void theReportDoesNotKnowTheCommands() {
        noClasses().that().resideInAPackage("dev.copyless.report..")
                .should().dependOnClassesThat().resideInAPackage("dev.copyless.cli..").check(ALL);
    }

    @Test
    void nothingBelowTheCliDependsOnIt() {
        noClasses().that().resideOutsideOfPackages("dev.copyless.cli..", "dev.copyless.report..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.cli..", "dev.copyless.report..")
                .check(ALL);
    }
}
