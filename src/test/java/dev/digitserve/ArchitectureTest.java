package dev.digitserve;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The layering of the main code, checked on its byte code: no import cycle between the {@code dev.digitserve.*}
 * packages, and no feature package reaching up into {@code web} (the error table, its renderers and the filters),
 * which sits on top of them all.
 */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.digitserve");

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.digitserve.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void featurePackagesNeverImportWeb() {
        noClasses().that().resideOutsideOfPackages("dev.digitserve.web..", "dev.digitserve")
                .should().dependOnClassesThat().resideInAPackage("dev.digitserve.web..")
                .check(MAIN);
    }

    @Test
    void onlyTheImageAndPredictionPackagesSeeImageDecoding() {
        // datasets: uploaded archives go through the same preprocessing as prediction uploads (DESIGN, data flow)
        noClasses().that().resideOutsideOfPackages("dev.digitserve.image..", "dev.digitserve.prediction..",
                        "dev.digitserve.datasets..", "dev.digitserve.web..")
                .should().dependOnClassesThat().resideInAPackage("dev.digitserve.image..")
                .check(MAIN);
    }
}
