package io.quorum.k8scheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders a kustomization with {@code kubectl kustomize} (kustomize v5 built into kubectl) and parses what it prints.
 * kubectl missing: the test fails under {@code CI=true} (`.ci/run` installs it) and is skipped elsewhere.
 */
final class Kustomize {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The kubectl to run: {@code -Dquorum.kubectl=/path/to/kubectl}, else the one on PATH. */
    private static final String KUBECTL = System.getProperty("quorum.kubectl", "kubectl");
    private static final Map<Path, Rendered> CACHE = new ConcurrentHashMap<>();
    private static volatile String version;

    private Kustomize() {
    }

    /** What {@code kubectl kustomize dir} printed: the YAML text and its objects. */
    record Rendered(Path dir, String yaml, List<ObjectNode> objects) {
    }

    /** {@code kubectl kustomize dir}, once per directory per test run. */
    static Rendered render(Path dir) {
        requireKubectl();
        return CACHE.computeIfAbsent(dir.toAbsolutePath().normalize(), Kustomize::run);
    }

    /** Parses a multi-document YAML text into its objects (empty documents dropped). */
    static List<ObjectNode> parse(String yaml) {
        try (var parser = YAML.getFactory().createParser(yaml)) {
            List<ObjectNode> objects = new ArrayList<>();
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n == null || n.isNull() || n.isMissingNode()) {
                    continue;
                }
                if (!(n instanceof ObjectNode o)) {
                    throw new IllegalStateException("a document is not an object: " + n);
                }
                objects.add(o);
            }
            return objects;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ObjectNode> parse(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips the calling test where kubectl is absent, unless {@code CI=true}: then it fails. */
    static void requireKubectl() {
        if (version == null) {
            version = probe();
        }
        if (version.isEmpty()) {
            String why = KUBECTL + " cannot run: k8s/ cannot be rendered (k8s/install-kubectl.sh installs it)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(why + "; under CI=true this fails instead of skipping");
            }
            Assumptions.abort(why);
        }
    }

    /** {@code kubectl version --client} output, or empty when kubectl cannot run. */
    static String version() {
        requireKubectl();
        return version;
    }

    private static String probe() {
        try {
            Result r = exec(List.of(KUBECTL, "version", "--client"), null);
            return r.exit() == 0 ? r.stdout().trim() : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static Rendered run(Path dir) {
        try {
            Result r = exec(List.of(KUBECTL, "kustomize", dir.toString()), dir);
            if (r.exit() != 0) {
                throw new AssertionError("kubectl kustomize " + dir + " failed (" + r.exit() + "):\n" + r.stderr());
            }
            return new Rendered(dir, r.stdout(), List.copyOf(parse(r.stdout())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kubectl kustomize " + dir, e);
        }
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result exec(List<String> command, Path cwd) throws IOException {
        Path out = Files.createTempFile("kustomize-", ".out");
        Path err = Files.createTempFile("kustomize-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
