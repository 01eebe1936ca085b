package io.quorum.cli;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Lists, shows and publishes model versions. */
@Command(name = "models", description = "List model versions and aliases; show one; publish an ONNX file.",
        subcommands = {ModelsCommand.Show.class, ModelsCommand.Publish.class, Bootstrap.class})
final class ModelsCommand implements Callable<Integer> {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Mixin
    Connection connection;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            RegistryState state = registry.snapshot(Duration.ofSeconds(30));
            if (json) {
                List<Map<String, Object>> out = new ArrayList<>();
                state.models().values().forEach(h -> h.versions().values().forEach(v -> out.add(row(h, v))));
                System.out.println(Json.toPrettyString(out));
                return 0;
            }
            if (state.models().isEmpty()) {
                System.out.println("no models published yet");
                return 0;
            }
            System.out.printf("%-16s %7s  %-9s  %-20s  %-12s  %-19s  %s%n", "MODEL", "VERSION", "STATE", "ALIASES",
                    "SHA256", "PUBLISHED", "METRICS");
            for (RegistryState.ModelHistory h : state.models().values()) {
                for (ModelPublished v : h.versions().values()) {
                    System.out.printf("%-16s %7d  %-9s  %-20s  %-12s  %-19s  %s%n", h.name(), v.version(),
                            h.state(v.version()), aliases(h, v.version()), v.sha256().substring(0, 12),
                            TIME.format(Instant.ofEpochMilli(v.publishedAt())), metrics(v));
                }
            }
        }
        return 0;
    }

    static String aliases(RegistryState.ModelHistory h, int version) {
        String a = h.aliases().entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey)
                .sorted().collect(Collectors.joining(","));
        return a.isEmpty() ? "-" : a;
    }

    static String metrics(ModelPublished v) {
        return v.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + String.format("%.4g", e.getValue())).collect(Collectors.joining(" "));
    }

    static Map<String, Object> row(RegistryState.ModelHistory h, ModelPublished v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("version", v.version());
        m.put("state", h.state(v.version()));
        m.put("aliases", aliases(h, v.version()));
        m.put("sha256", v.sha256());
        m.put("uri", v.uri());
        m.put("metrics", v.metrics());
        m.put("properties", v.properties());
        m.put("lineage", v.lineage());
        m.put("signature", v.signature());
        m.put("publishedAt", v.publishedAt());
        return m;
    }

    /** {@code models show <name> [version]}. */
    @Command(name = "show", description = "Show one version (default: the champion) as JSON.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Connection connection;
        @Parameters(index = "0")
        String name;
        @Parameters(index = "1", arity = "0..1")
        Integer version;

        @Override
        public Integer call() throws Exception {
            try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
                RegistryState state = registry.snapshot(Duration.ofSeconds(30));
                RegistryState.ModelHistory h = state.model(name).orElseThrow(() ->
                        new IllegalArgumentException("no model named '" + name + "'"));
                ModelPublished v = version == null ? h.alias(RegistryState.ALIAS_CHAMPION).or(h::latest).orElseThrow()
                        : h.version(version).orElseThrow(() -> new IllegalArgumentException(name + " has no version " + version));
                System.out.println(Json.toPrettyString(row(h, v)));
            }
            return 0;
        }
    }

    /** {@code models publish --name n --file model.onnx [--alias champion]}. */
    @Command(name = "publish", description = "Store an ONNX file as a new version and announce it.")
    static final class Publish implements Callable<Integer> {
        @Mixin
        Connection connection;
        @Option(names = "--name", required = true)
        String name;
        @Option(names = "--file", required = true, description = "the ONNX model")
        Path file;
        @Option(names = "--alias", description = "alias to point at the new version (e.g. champion)")
        String alias;
        @Option(names = "--artifact", description = "extra artifact to store with it (repeatable)")
        List<Path> artifacts = new ArrayList<>();
        @Option(names = "--metric", description = "k=v evaluation metric (repeatable)")
        Map<String, Double> metrics = new LinkedHashMap<>();
        @Option(names = "--property", description = "k=v model property (repeatable)")
        Map<String, String> properties = new LinkedHashMap<>();
        @Option(names = "--data-ref", description = "what it was trained on")
        String dataRef;

        @Override
        public Integer call() throws Exception {
            try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
                List<ModelStore.Artifact> extra = artifacts.stream()
                        .map(p -> new ModelStore.Artifact(p.getFileName().toString(), p)).toList();
                ModelPublished p = new ModelPublisher(connection.store(), registry).publish(new ModelPublisher.Request(
                        name, file, extra, metrics, new Lineage(null, "manual publish", dataRef, null, "cli", null),
                        properties, alias));
                System.out.printf("published %s v%d (sha256 %s)%s%n", p.name(), p.version(), p.sha256(),
                        alias == null ? "" : " as " + alias);
            }
            return 0;
        }
    }
}
