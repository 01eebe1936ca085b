package io.quorum.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's packages form layers without cycles: the job API at the bottom, data and the shared training steps on
 * it, export and fine-tuning on neither, the Selfai recipe on export, the jobs on top. A class may use its own package and the layers below.
 */
class PackageLayersTest {

    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "api", Set.of(),
            "data", Set.of("api"),
            "steps", Set.of("api"),
            "export", Set.of(),
            "finetune", Set.of(),
            "selfai", Set.of("export"),
            "jobs", Set.of("api", "data", "steps", "export", "finetune", "selfai"));

    private static final Pattern USE = Pattern.compile("io\\.quorum\\.training\\.([a-z]+)\\.");

    @Test
    void noPackageUsesOneAboveItself() throws IOException {
        Path root = Path.of("src/main/java/io/quorum/training");
        List<String> violations = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertThat(sources).isNotEmpty();
        for (Path f : sources) {
            String pkg = root.relativize(f).getName(0).toString();
            assertThat(ALLOWED).as("package %s has no layer", pkg).containsKey(pkg);
            Matcher m = USE.matcher(Files.readString(f));
            while (m.find()) {
                String used = m.group(1);
                if (!used.equals(pkg) && !ALLOWED.get(pkg).contains(used)) {
                    violations.add(root.relativize(f) + " uses io.quorum.training." + used);
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
