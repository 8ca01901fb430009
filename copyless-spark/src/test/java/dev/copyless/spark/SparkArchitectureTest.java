package dev.copyless.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The Spark engine stays behind the engine seam: no other copyless package names it (the CLI
 * finds it through {@code SweepEngineProvider}), and only it uses Spark or Scala, so copyless runs
 * without Spark on the class path.
 */
class SparkArchitectureTest {
    private static final JavaClasses ALL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")).importPackages("dev.copyless");

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.copyless.(*)..").should().beFreeOfCycles().check(ALL);
    }

    @Test
    void nothingElseKnowsTheSparkEngineOrSpark() {
        noClasses().that().resideOutsideOfPackage("dev.copyless.spark..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.copyless.spark..", "org.apache.spark..",
                        "scala..")
                .check(ALL);
    }
}
