package io.quorum.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.quorum.testing.ServiceLauncher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build's layering rules, checked on every module's compiled main classes (each module's {@code target/classes}; this module
 * builds last): {@code shared} is the base and uses nothing of Quorum; {@code text} and {@code training} are libraries
 * on top of it; services use the libraries and never each other; tools use libraries, never services; no main code
 * uses the test fixtures; and no package cycle anywhere. A new service copies this house, so a rule broken here is
 * a tangle the next service would copy.
 */
class LayeringTest {

    static final String SHARED = "io.quorum.shared..";
    static final String TEXT = "io.quorum.text..";
    static final String TRAINING = "io.quorum.training..";
    static final String VISION = "io.quorum.vision..";
    static final String TESTING = "io.quorum.testing..";
    static final String CLI = "io.quorum.cli..";
    static final String ABLATION = "io.quorum.ablation..";
    /** Every service's root package. */
    static final List<String> SERVICES = List.of("io.quorum.embedding..", "io.quorum.pairscoring..", "io.quorum.trainer..",
            "io.quorum.adversarial..");

    static JavaClasses main;

    @BeforeAll
    static void importMainClasses() throws IOException {
        Path root = ServiceLauncher.repositoryRoot();
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(root, 4)) {
            dirs = s.filter(p -> p.endsWith(Path.of("target", "classes")) && Files.isDirectory(p.resolve("io/quorum"))).toList();
        }
        assertThat(dirs).as("compiled modules under " + root).hasSizeGreaterThanOrEqualTo(9);
        main = new ClassFileImporter().importPaths(dirs);
        assertThat(main).as("imported classes").hasSizeGreaterThan(200);
    }

    @Test
    void sharedIsTheBaseAndUsesNoOtherQuorumModule() {
        noClasses().that().resideInAPackage(SHARED).should().dependOnClassesThat()
                .resideInAnyPackage(concat(List.of(TEXT, VISION, TRAINING, TESTING, CLI, ABLATION), SERVICES))
                .because("shared/ is the library every module builds on").check(main);
    }

    @Test
    void librariesUseNoServiceNorTool() {
        noClasses().that().resideInAnyPackage(TEXT, VISION, TRAINING).should().dependOnClassesThat()
                .resideInAnyPackage(concat(List.of(TESTING, CLI, ABLATION), SERVICES)).check(main);
        noClasses().that().resideInAPackage(TEXT).should().dependOnClassesThat().resideInAPackage(TRAINING)
                .because("text is below training").check(main);
    }

    @Test
    void servicesNeverUseEachOtherNorTheTools() {
        for (String service : SERVICES) {
            List<String> others = SERVICES.stream().filter(s -> !s.equals(service)).toList();
            noClasses().that().resideInAPackage(service).should().dependOnClassesThat()
                    .resideInAnyPackage(concat(List.of(CLI, ABLATION, TESTING), others))
                    .because("a service talks to the others over Kafka, never through their classes").check(main);
        }
    }

    @Test
    void toolsUseLibrariesNotServices() {
        noClasses().that().resideInAnyPackage(CLI, ABLATION).should().dependOnClassesThat()
                .resideInAnyPackage(concat(List.of(TESTING), SERVICES)).check(main);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.quorum.(*)..").should().beFreeOfCycles().check(main);
        for (String module : List.of("shared", "text", "vision", "training", "cli", "embedding", "pairscoring", "trainer",
                "adversarial")) {
            slices().matching("io.quorum." + module + ".(*)..").should().beFreeOfCycles().allowEmptyShould(true).check(main);
        }
    }

    private static String[] concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
