package io.quorum.ablation;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.json.Json;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.jobs.SelfaiImageScorerJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./quorum ablation images}: the Selfai post's correlation table with the {@code image-scorer-selfai} job on
 * MEBeauty (train 2022 split, evaluated on val 2022): without pre-training, with Siamese pre-training, pre-training +
 * Net2Net; the seed's figures beside ours, with each row's training time. Every row fine-tunes the same final
 * architecture for the same epochs. Options: {@code --out DIR} (each row's model.onnx + model-card.json, and
 * {@code selfai-table.json}), {@code --extra 'k=v ..'} (job parameters for every row: resolution, width, epochs...),
 * {@code --only ROW,..}, {@code --seed N}, {@code --result FILE} (the JSON, also written there).
 */
public final class ImagesMain {

    /** A row: name, what it is, the seed's correlation and training time, the job parameters. */
    record Row(String name, String description, double seedCorrelation, String seedTime, Map<String, String> params) {
    }

    static List<Row> grid() {
        return List.of(
                new Row("no-pretraining", "without pre-training: Huber fine-tuning from random weights", 0.68, "13 h",
                        Map.of("pretrain-epochs", "0")),
                new Row("siamese", "with Siamese pre-training (the final architecture pre-trained directly)", 0.82, "8 h",
                        Map.of("net2net", "false")),
                new Row("siamese-net2net", "pre-training + Net2Net (grown on stalls, doubled before fine-tuning)", 0.84,
                        "5 h", Map.of("net2net", "true")));
    }

    private ImagesMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            opt.put(args[i].substring(2), args[i + 1]);
        }
        Path out = Files.createDirectories(Path.of(opt.getOrDefault("out", "runtime/ablation/images")));
        long seed = Long.parseLong(opt.getOrDefault("seed", "42"));
        Map<String, String> extra = new LinkedHashMap<>();
        for (String kv : opt.getOrDefault("extra", "").trim().split("\\s+")) {
            if (!kv.isBlank()) {
                int eq = kv.indexOf('=');
                extra.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        List<String> only = opt.containsKey("only") ? List.of(opt.get("only").split(",")) : null;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Row r : grid()) {
            if (only != null && !only.contains(r.name())) {
                continue;
            }
            Map<String, String> params = new LinkedHashMap<>(extra);
            params.putAll(r.params());
            Path work = Files.createTempDirectory("ablation-images");
            long start = System.currentTimeMillis();
            TrainedModel m;
            try {
                m = new SelfaiImageScorerJob().run(new LocalJobContext("ablation-" + r.name(), params, seed, DataDir.root(),
                        work, line -> System.err.println("[" + r.name() + "] " + line)));
            } finally {
                io.quorum.shared.files.TempDir.deleteRecursively(work);
            }
            long millis = System.currentTimeMillis() - start;
            TrainLocal.write(out.resolve(r.name()), m, SelfaiImageScorerJob.NAME, new SelfaiImageScorerJob().description(),
                    millis);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("row", r.name());
            row.put("description", r.description());
            row.put("seed_correlation", r.seedCorrelation());
            row.put("seed_training_time", r.seedTime());
            row.put("plcc", m.metrics().get("plcc"));
            row.put("srcc", m.metrics().get("srcc"));
            row.put("mae", m.metrics().get("mae"));
            row.put("rmse", m.metrics().get("rmse"));
            row.put("n", m.metrics().get("n"));
            row.put("pretrain_seconds", m.metrics().get("pretrain_seconds"));
            row.put("finetune_seconds", m.metrics().get("finetune_seconds"));
            row.put("train_seconds", m.metrics().get("train_seconds"));
            row.put("wall_seconds", millis / 1000.0);
            row.put("export_parity", m.parity());
            row.put("architecture", m.properties().get("architecture"));
            row.put("parameters", m.hyperParameters());
            row.put("notes", m.notes());
            rows.add(row);
            write(out, opt.get("result"), rows, seed, extra);
        }
        System.out.println(markdown(rows));
    }

    private static void write(Path out, String result, List<Map<String, Object>> rows, long seed, Map<String, String> extra)
            throws java.io.IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("table", "Selfai (seed post 3) on MEBeauty: train 2022 split (present crops), val 2022 split");
        doc.put("command", "./quorum ablation images --seed " + seed + (extra.isEmpty() ? "" : " --extra '"
                + String.join(" ", extra.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()) + "'"));
        doc.put("seed_note", "the seed's figures are correlations on its own 30k-selfie set (0-9 scores), trained on a GPU "
                + "for hours; ours are PLCC on MEBeauty val, trained on 2 shared CPU cores for minutes");
        doc.put("createdAt", Instant.now().toString());
        doc.put("rows", rows);
        String json = Json.toPrettyString(doc);
        Files.writeString(out.resolve("selfai-table.json"), json);
        if (result != null) {
            Path r = Path.of(result);
            if (r.getParent() != null) {
                Files.createDirectories(r.getParent());
            }
            Files.writeString(r, json);
        }
    }

    static String markdown(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder("| setting | seed correlation | seed time | PLCC | SRCC | MAE | RMSE | "
                + "train time (pre-train + fine-tune) |\n|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            sb.append(String.format("| %s | %.2f | %s | %.3f | %.3f | %.3f | %.3f | %.0f s (%.0f + %.0f) |%n", r.get("row"),
                    (Double) r.get("seed_correlation"), r.get("seed_training_time"), (Double) r.get("plcc"),
                    (Double) r.get("srcc"), (Double) r.get("mae"), (Double) r.get("rmse"), (Double) r.get("train_seconds"),
                    (Double) r.get("pretrain_seconds"), (Double) r.get("finetune_seconds")));
        }
        return sb.toString();
    }
}
