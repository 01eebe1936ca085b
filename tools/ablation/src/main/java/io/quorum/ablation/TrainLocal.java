package io.quorum.ablation;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.training.data.LocalEmbedders;
import io.quorum.training.data.TextPairSource;
import io.quorum.training.api.LocalJobContext;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.training.data.LocalModelDirs;
import io.quorum.training.jobs.DigitClassifierJob;
import io.quorum.training.jobs.DigitEnsembleJob;
import io.quorum.training.jobs.PairAlignerJob;
import io.quorum.training.jobs.PairScorerJob;
import io.quorum.training.jobs.SelfaiImageScorerJob;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.api.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a pair scorer, pair aligner, digit classifier or digit ensemble in process, without Kafka or a registry, and writes
 * {@code model.onnx} (with {@code gradient.onnx} for a classifier) and {@code model-card.json} to a folder: how the
 * bundled default models in {@code models/*-default} are made. Usage:
 * {@code TrainLocal <out-dir> [job=pair-aligner|digit-classifier|digit-ensemble] key=value ...} (the job's parameters; the job
 * defaults to {@code pair-scorer}).
 */
public final class TrainLocal {

    private TrainLocal() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: TrainLocal <out-dir> data=FILE embedder=minilm ...");
            System.exit(2);
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            params.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        String jobName = params.getOrDefault("job", "pair-scorer");
        params.remove("job");
        Path work = Files.createTempDirectory("train-local");
        LocalEmbedders local = new LocalEmbedders(DataDir.root(), Path.of("runtime/cache/local"), InferenceOptions.cpu(2), 42);
        TextPairSource source = new TextPairSource(local, Path.of("runtime/cache/local/vectors"), work.resolve("none.jsonl"));
        long start = System.currentTimeMillis();
        TrainingJob job = switch (jobName) {
            case "pair-scorer" -> new PairScorerJob(List.of(source));
            case "pair-aligner" -> new PairAlignerJob(source, local);
            case DigitClassifierJob.NAME -> new DigitClassifierJob();
            case SelfaiImageScorerJob.NAME -> new SelfaiImageScorerJob();
            // baseline=DIR: a local version directory (models/digit-classifier-default); members are cached for reuse
            case DigitEnsembleJob.NAME -> new DigitEnsembleJob(new LocalModelDirs(Path.of("")),
                    Path.of("runtime/cache/local").resolve(DigitEnsembleJob.NAME));
            default -> throw new IllegalArgumentException("job must be pair-scorer, pair-aligner, digit-classifier, "
                    + "digit-ensemble or image-scorer-selfai, got " + jobName);
        };
        TrainedModel m;
        try {
            m = job.run(new LocalJobContext("local", params, 42, DataDir.root(), work,
                    line -> System.err.println("[train] " + line)));
        } finally {
            TempDir.deleteRecursively(work);
        }
        write(out, m, jobName, job.description(), System.currentTimeMillis() - start);
        System.out.println(Json.toPrettyString(m.metrics()));
    }

    /**
     * Writes {@code model.onnx}, {@code gradient.onnx} (classifiers) and {@code model-card.json} (the card the trainer
     * writes, with the data's licence) to {@code out}: a folder the CLI's {@code models bootstrap} publishes as a
     * bundled default. Refuses an export whose parity exceeds 1e-4.
     */
    static void write(Path out, TrainedModel m, String jobName, String description, long millis) throws java.io.IOException {
        if (m.parity() > 1e-4) {
            throw new IllegalStateException("export parity " + m.parity() + " exceeds 1e-4; not written");
        }
        Files.createDirectories(out);
        Files.write(out.resolve("model.onnx"), m.onnx());
        if (m.gradientOnnx() != null) {
            Files.write(out.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), m.gradientOnnx());
        }
        for (var e : m.extraArtifacts().entrySet()) {
            Files.write(out.resolve(e.getKey()), e.getValue());
        }
        boolean digits = jobName.equals(DigitClassifierJob.NAME) || jobName.equals(DigitEnsembleJob.NAME);
        boolean faces = jobName.equals(SelfaiImageScorerJob.NAME);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", m.modelName());
        card.put("job", jobName + " (TrainLocal)");
        card.put("description", digits || faces ? description : description + " (all-MiniLM-L6-v2)");
        card.put("data", Map.of("ref", m.dataRef(), "sha256", m.dataHash(), "licence", faces ? MEBEAUTY_LICENCE : digits
                ? (m.dataRef().startsWith("fashion-mnist") ? FASHION_LICENCE : MNIST_LICENCE)
                : "MRPC: Microsoft Research Paraphrase Corpus, research use only (see ../shared/data/mrpc/SOURCE.md)"));
        card.put("hyperParameters", m.hyperParameters());
        card.put("metrics", m.metrics());
        card.put("metricsNote", digits || faces ? String.join(" ", m.notes())
                : "accuracy, F1, log loss and ROC AUC on a held-out 20% validation split the network never saw");
        card.put("properties", m.properties());
        card.put("exportParityMaxAbsDiff", m.parity());
        card.put("codeVersion", "0.1.0");
        card.put("trainingMillis", millis);
        card.put("createdAt", Instant.now().toString());
        Files.writeString(out.resolve("model-card.json"), Json.toPrettyString(card));
    }

    static final String MNIST_LICENCE = "MNIST (LeCun, Cortes, Burges): no licence stated by the source; commonly "
            + "redistributed under CC BY-SA 3.0 (see ../shared/data/mnist/SOURCE.md)";
    static final String MEBEAUTY_LICENCE = "MEBeauty (Lebedeva, Guo, Ying 2021): no licence file; research and "
            + "non-commercial use, cite the paper (see ../shared/data/mebeauty/SOURCE.md)";
    static final String FASHION_LICENCE = "Fashion-MNIST: MIT, Copyright 2017 Zalando SE (see ../shared/data/fashion-mnist/SOURCE.md)";
}
