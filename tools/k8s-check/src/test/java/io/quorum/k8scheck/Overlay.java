package io.quorum.k8scheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An overlay as its kustomization.yaml declares it: the namespace, the components it takes, and the settings it
 * should render with (k8s/base/settings.env merged with its own quorum-settings literals), the images it renames:
 * what the rendered objects are checked against.
 */
record Overlay(String name, Path dir, String namespace, List<String> components, Map<String, String> settings,
        Map<String, String> images) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Overlay read(Path dir) {
        try {
            JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
            List<String> components = new ArrayList<>();
            k.path("components").forEach(c -> components.add(Path.of(c.asText()).getFileName().toString()));
            Map<String, String> settings = baseSettings();
            for (JsonNode g : k.path("configMapGenerator")) {
                if (g.path("name").asText().equals("quorum-settings")) {
                    for (JsonNode l : g.path("literals")) {
                        String[] kv = l.asText().split("=", 2);
                        settings.put(kv[0], kv[1]);
                    }
                }
            }
            Map<String, String> images = new LinkedHashMap<>();
            for (JsonNode i : k.path("images")) {
                images.put(i.path("name").asText(), i.path("newName").asText(i.path("name").asText()) + ":" + i.path("newTag").asText());
            }
            return new Overlay(dir.getFileName().toString(), dir, k.path("namespace").asText("quorum"),
                    List.copyOf(components), settings, images);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** k8s/base/settings.env as a map. */
    static Map<String, String> baseSettings() {
        try {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : Files.readAllLines(K8sTree.k8s().resolve("base/settings.env"))) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    String[] kv = l.split("=", 2);
                    m.put(kv[0], kv[1]);
                }
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean has(String component) {
        return components.contains(component);
    }

    int partitions() {
        return Integer.parseInt(settings.get("QUORUM_PARTITIONS"));
    }

    Manifest render() {
        return Manifest.of(name, Kustomize.render(dir));
    }

    /** The overlays under k8s/overlays and two scratch ones that take every component with unusual settings. */
    static List<Overlay> all() {
        List<Overlay> all = new ArrayList<>(K8sTree.overlays().stream().map(Overlay::read).toList());
        all.add(read(scratch("every-component-keda", "keda", "secured-kafka", "strimzi", "monitoring", "gpu")));
        all.add(read(scratch("every-component-hpa", "hpa", "secured-kafka", "strimzi", "monitoring")));
        return all;
    }

    /**
     * An overlay in target/ with {@code components} and settings no default has (7 partitions, RF 5, ...), so that
     * a value that fails to propagate shows as a default left behind.
     */
    static Path scratch(String name, String... components) {
        StringBuilder b = new StringBuilder("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: scratch-ns
                resources:
                  - K8S/base
                components:
                """);
        for (String c : components) {
            b.append("  - K8S/components/").append(c).append('\n');
        }
        b.append("""
                configMapGenerator:
                  - name: quorum-settings
                    behavior: merge
                    literals:
                      - KAFKA_BOOTSTRAP_SERVERS=scratch-kafka.example.org:19093
                      - QUORUM_PARTITIONS=7
                      - QUORUM_REPLICATION_FACTOR=5
                      - QUORUM_MIN_INSYNC_REPLICAS=4
                      - STRIMZI_CLUSTER=scratch-cluster
                transformers:
                  - K8S/propagate
                """);
        return K8sTree.scratchOverlay(name, b.toString());
    }

    @Override
    public String toString() {
        return name;
    }
}
