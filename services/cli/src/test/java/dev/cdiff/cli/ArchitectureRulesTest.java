package dev.cdiff.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The "never" arrows of the design, checked on the compiled classes of every module. */
class ArchitectureRulesTest {
    private static final List<String> SERVICES =
            List.of("ingestion", "retrieval", "training", "merging", "sampling", "orchestrator", "gateway");

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.cdiff");
    }

    @Test
    void theDiffusionCoreStaysALibraryWithoutKafkaS3HttpOrServices() {
        noClasses().that().resideInAPackage("dev.cdiff.diffusion..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.kafka..", "io.minio..", "java.net.http..", "com.sun.net.httpserver..", "io.javalin..",
                        "org.eclipse.jetty..",
                        "org.gaul..", "dev.cdiff.platform..", "dev.cdiff.embedded..", "dev.cdiff.schemas..",
                        "dev.cdiff.ingestion..", "dev.cdiff.retrieval..", "dev.cdiff.training..",
                        "dev.cdiff.merging..", "dev.cdiff.sampling..", "dev.cdiff.orchestrator..", "dev.cdiff.gateway..",
                        "dev.cdiff.cli..")
                .check(classes);
    }

    @Test
    void everyHttpServerIsTheOneLibrarysNotTheJdksHandWrittenOne() {
        // one HTTP layer: limits and timeouts are framework settings, never re-implemented per server
        noClasses().that().resideInAPackage("dev.cdiff..")
                .should().dependOnClassesThat().resideInAPackage("com.sun.net.httpserver..")
                .check(classes);
    }

    @Test
    void infrastructureKnowsNoMl() {
        noClasses().that().resideInAPackage("dev.cdiff.platform..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.cdiff.diffusion..", "ai.djl..")
                .check(classes);
    }

    @Test
    void servicesMeetOnlyThroughEvents() {
        for (String service : SERVICES) {
            String[] others = SERVICES.stream().filter(s -> !s.equals(service))
                    .map(s -> "dev.cdiff." + s + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage("dev.cdiff." + service + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others)
                    .check(classes);
        }
    }

    @Test
    void importedEveryModule() {
        for (String pkg : List.of("dev.cdiff.diffusion", "dev.cdiff.platform", "dev.cdiff.orchestrator",
                "dev.cdiff.ingestion", "dev.cdiff.training", "dev.cdiff.gateway")) {
            if (classes.stream().noneMatch(c -> c.getPackageName().startsWith(pkg))) {
                throw new AssertionError("no classes imported from " + pkg + ": the rules above would pass vacuously");
            }
        }
    }
}
