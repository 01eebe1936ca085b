package io.quorum.cli;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.BundledEnsemble;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.text.EmbedderPublishing;
import io.quorum.text.Embedders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Publishes the models a fresh installation needs when the registry lacks them: the pretrained MiniLM embedders
 * (fp32 and int8), the bundled default pair scorer and aligner (trained by Quorum's trainer on MRPC) and the bundled
 * default digit classifier (trained on MNIST, with its {@code gradient.onnx} for white-box attacks) and the bundled
 * default digit ensemble (five bootstrapped members, committed as their own graphs and fused into one graph here,
 * {@link BundledEnsemble}, with its calibrated detector); see their model cards.
 */
@Command(name = "bootstrap", description = "Publish the bundled default models the registry lacks (minilm, minilm-q, "
        + "pair-scorer, pair-aligner, digit-classifier, digit-ensemble).")
final class Bootstrap implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Option(names = "--defaults", defaultValue = "models", description = "folder of bundled default models")
    Path defaults;

    @Override
    public Integer call() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            RegistryState state = registry.snapshot(Duration.ofSeconds(30));
            ModelPublisher publisher = new ModelPublisher(connection.store(), registry);
            for (Embedders.Bundled b : Embedders.Bundled.values()) {
                if (state.model(b.modelName).isEmpty()) {
                    ModelPublished p = EmbedderPublishing.publishBundled(b, publisher, RegistryState.ALIAS_CHAMPION);
                    System.err.printf("bootstrap: published %s v%d (pretrained all-MiniLM-L6-v2, %s)%n", p.name(), p.version(), b.precision);
                }
            }
            for (String name : List.of(PairScorerSpec.MODEL_NAME, PairAlignerSpec.MODEL_NAME, DigitClassifierSpec.MODEL_NAME,
                    DigitEnsembleSpec.MODEL_NAME, ImageScorerSpec.MODEL_NAME)) {
                Path dir = defaults.resolve(name + "-default");
                if (state.model(name).isPresent() || !Files.isDirectory(dir)) {
                    continue;
                }
                try (TempDir copy = needsFusing(name, dir) && !Files.isWritable(dir) ? TempDir.create("quorum-" + name) : null) {
                    // a read-only image (a container with a read-only root file system): fused in a copy
                    Path from = copy == null ? dir : copyOf(dir, copy.path());
                    if (name.equals(ImageScorerSpec.MODEL_NAME)) {
                        fuseImageScorer(from);
                    }
                    if (BundledEnsemble.materialise(from)) {
                        System.err.printf("bootstrap: fused the default %s from its members (sha256 as recorded)%n", name);
                    }
                    publishDefault(name, from, state, publisher);
                }
            }
        }
        return 0;
    }

    /** Whether the bundled model in {@code dir} is kept as parts that must be fused before it is published. */
    private static boolean needsFusing(String name, Path dir) {
        return name.equals(ImageScorerSpec.MODEL_NAME) || BundledEnsemble.isParts(dir);
    }

    private static Path copyOf(Path dir, Path into) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.toList()) {
                Path to = into.resolve(dir.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        return into;
    }

    /**
     * The default image scorer is not committed as ONNX (its faceres weights come from the npm package the faces build
     * fetches and converts): {@code model.onnx} is fused here from the faceres graph bundled in quorum-faces and the
     * committed ridge head ({@code head.json}), with the model card's properties as ONNX metadata. Reproduce the head:
     * {@code java -cp <faces classpath> io.quorum.faces.scorer.BuildImageScorer $QUORUM_DATA_DIR/mebeauty <out>}.
     */
    @SuppressWarnings("unchecked")
    static void fuseImageScorer(Path dir) throws Exception {
        Path head = dir.resolve(io.quorum.faces.scorer.ImageScorerModel.HEAD_FILE);
        Path model = dir.resolve(ModelPublisher.PRIMARY);
        if (!Files.exists(head) || (Files.exists(model)
                && Files.getLastModifiedTime(model).compareTo(Files.getLastModifiedTime(head)) >= 0)) {
            return;
        }
        Map<String, Object> card = Json.mapper().readValue(dir.resolve("model-card.json").toFile(), Map.class);
        Map<String, String> meta = new LinkedHashMap<>();
        ((Map<String, Object>) card.getOrDefault("properties", Map.of())).forEach((k, v) -> {
            if (k.startsWith("quorum.")) {
                meta.put(k, String.valueOf(v));
            }
        });
        meta.put(ImageScorerSpec.META_DATASET, "mebeauty-2022-train");
        Files.write(model, io.quorum.faces.scorer.ImageScorerModel.fromHead(head, meta));
        System.err.printf("bootstrap: fused the default image-scorer from faceres + %s%n", head);
    }

    /** Publishes the bundled model in {@code dir} as champion of {@code name} when the registry has no such model. */
    @SuppressWarnings("unchecked")
    private static void publishDefault(String name, Path dir, RegistryState state, ModelPublisher publisher) throws Exception {
        if (state.model(name).isPresent() || !Files.exists(dir.resolve(ModelPublisher.PRIMARY))) {
            return;
        }
        Map<String, Object> card = Json.mapper().readValue(dir.resolve("model-card.json").toFile(), Map.class);
        Map<String, Double> metrics = new LinkedHashMap<>();
        ((Map<String, Object>) card.getOrDefault("metrics", Map.of())).forEach((k, v) -> metrics.put(k, ((Number) v).doubleValue()));
        Map<String, String> props = new LinkedHashMap<>();
        ((Map<String, Object>) card.getOrDefault("properties", Map.of())).forEach((k, v) -> props.put(k, String.valueOf(v)));
        Map<String, Object> data = (Map<String, Object>) card.getOrDefault("data", Map.of());
        List<ModelStore.Artifact> artifacts = new java.util.ArrayList<>();
        artifacts.add(new ModelStore.Artifact("model-card.json", dir.resolve("model-card.json")));
        // a classifier's input-gradient graph: white-box attacks (the adversarial service) need it
        if (Files.exists(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT))) {
            artifacts.add(new ModelStore.Artifact(DigitClassifierSpec.GRADIENT_ARTIFACT, dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT)));
        }
        // an image scorer's ridge head (what model.onnx was fused from)
        if (Files.exists(dir.resolve(io.quorum.faces.scorer.ImageScorerModel.HEAD_FILE))) {
            artifacts.add(new ModelStore.Artifact(io.quorum.faces.scorer.ImageScorerModel.HEAD_FILE,
                    dir.resolve(io.quorum.faces.scorer.ImageScorerModel.HEAD_FILE)));
        }
        // an ensemble's member lineage (seeds, samples)
        if (Files.exists(dir.resolve("members.json"))) {
            artifacts.add(new ModelStore.Artifact("members.json", dir.resolve("members.json")));
        }
        ModelPublished p = publisher.publish(new ModelPublisher.Request(name, dir.resolve(ModelPublisher.PRIMARY), artifacts,
                metrics, new Lineage(null, "bundled default (" + card.get("job") + ")", String.valueOf(data.get("ref")),
                String.valueOf(data.get("sha256")), String.valueOf(card.get("codeVersion")), null), props,
                RegistryState.ALIAS_CHAMPION));
        System.err.printf("bootstrap: published the default %s v%d (trained on %s)%n", p.name(), p.version(), data.get("ref"));
    }
}
