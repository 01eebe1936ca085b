package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.faces.probe.RegressionMetrics;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelProperties;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.DataPaths;
import io.quorum.training.export.Parity;
import io.quorum.training.selfai.FaceCrops;
import io.quorum.training.selfai.SelfaiOnnx;
import io.quorum.training.selfai.SelfaiRecipe;
import io.quorum.training.selfai.TinyDarknet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Selfai method (the seed's third post) on DL4J, as an {@code image-scorer}: a Tiny-Darknet-style CNN with ELU and
 * no batch normalisation on MEBeauty's aligned crops, Siamese pre-training (hinge embedding loss on the L1 feature
 * distance, pairs from the same vs distant score classes) grown by Net2Net on stalls, doubled in width before Huber
 * fine-tuning with class-balanced sampling and augmentation ({@link SelfaiRecipe}). Exported through the shared
 * exporter behind the image scorer's NHWC 0..255 input ({@link SelfaiOnnx}), parity checked against DL4J, checked
 * against {@link ImageScorerSpec}, evaluated on the val split through ONNX Runtime (PLCC, SRCC, MAE, RMSE).
 */
public final class SelfaiImageScorerJob implements TrainingJob {

    public static final String NAME = "image-scorer-selfai";
    static final String TRAIN_LIST = "scores/train_2022.txt";
    static final String VAL_LIST = "scores/val_2022.txt";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Selfai face scorer on DL4J: Tiny-Darknet-style ELU CNN, Siamese hinge/L1 pre-training with Net2Net growth, "
                + "Huber fine-tuning with class-balanced sampling; image-scorer model.onnx, val PLCC/SRCC/MAE/RMSE";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", "mebeauty - folder under QUORUM_DATA_DIR with scores/train_2022.txt and val_2022.txt (aligned crops)");
        p.put("model", ImageScorerSpec.MODEL_NAME + " - registry name to publish under");
        p.put("resolution", "64 - crop side S the network takes (the served model's input is [N,S,S,3]; divisible by 16)");
        p.put("width", "8 - channels of the first convolution of the base network (before Net2Net growth)");
        p.put("dilation", "1 - dilation of the two deepest 3x3 convolutions (1: none)");
        p.put("pretrain-epochs", "10 - Siamese pre-training epochs (0: no pre-training, Huber from random weights)");
        p.put("net2net", "true - grow the base network by Net2Net during pre-training and double it before fine-tuning "
                + "(false: pre-train the final architecture directly)");
        p.put("grow", "2 - Net2Net operators applied on stalls (deeper, wider x1.5, alternating); any not triggered by a "
                + "stall are applied at the end of pre-training, so every variant fine-tunes the same architecture");
        p.put("stall", "0.02 - an epoch stalls when its pair loss is not at least this fraction below the best so far");
        p.put("noise", "0.1 - Net2Net zeroing noise: probability of zeroing each incoming weight of a cloned unit");
        p.put("finetune-epochs", "15 - Huber fine-tuning epochs (each as many class-balanced draws as training images)");
        p.put("augment", "true - rotation 10 degrees, scaling 10%, colour noise 10%, horizontal flips");
        p.put("batch", "32 - minibatch (images; Siamese batches hold batch/2 pairs, both halves)");
        p.put("pretrain-lr", "0.001 - Adam learning rate of pre-training");
        p.put("finetune-lr", "0.0005 - Adam learning rate of fine-tuning");
        p.put("margin-per-dim", "0.25 - hinge margin per feature dimension (margin = this x features)");
        p.put("huber-delta", "1.0 - Huber delta, in score units");
        p.put("pair-gap", "2 - a 'different' pair's classes are at least this many classes apart");
        p.put("classes", "3..8 - score classes floor(score) clamped to this range (sampling and pairs)");
        p.put("rows", "all - use only the first N training crops (tests)");
        p.put("val-rows", "all - use only the first N val crops (tests)");
        return p;
    }

    @Override
    public Gate gate(JobParams params) {
        // never worse than the champion by more than 0.02 PLCC (the faceres default sits at 0.675)
        return new Gate(List.of(new Gate.Threshold("plcc", true, 0.2, 0.02)));
    }

    record Settings(SelfaiRecipe.Settings recipe, String data, String model, int rows, int valRows) {

        static Settings read(JobParams p) throws JobFailedException {
            int size = p.integer("resolution", 64);
            int width = p.integer("width", 8);
            int dilation = p.integer("dilation", 1);
            int pre = p.integer("pretrain-epochs", 10);
            boolean n2n = p.bool("net2net", true);
            int grow = p.integer("grow", 2);
            double stall = p.number("stall", 0.02);
            double noise = p.number("noise", 0.1);
            int ft = p.integer("finetune-epochs", 15);
            boolean augment = p.bool("augment", true);
            int batch = p.integer("batch", 32);
            double preLr = p.number("pretrain-lr", 0.001);
            double ftLr = p.number("finetune-lr", 0.0005);
            double margin = p.number("margin-per-dim", 0.25);
            double delta = p.number("huber-delta", 1.0);
            int gap = p.integer("pair-gap", 2);
            String classes = p.string("classes", "3..8");
            if (size < 16 || size % 16 != 0 || size > 256) {
                throw new JobFailedException("resolution must be a multiple of 16 in 16..256, got " + size);
            }
            if (width < 1 || width > 64 || dilation < 1 || dilation > 4) {
                throw new JobFailedException("width must be in 1..64 and dilation in 1..4");
            }
            if (pre < 0 || ft < 1 || grow < 0 || grow > 6 || batch < 2 || batch % 2 != 0) {
                throw new JobFailedException("pretrain-epochs >= 0, finetune-epochs >= 1, grow in 0..6, batch even >= 2");
            }
            if (!(stall >= 0 && stall < 1) || !(noise >= 0 && noise < 1) || !(preLr > 0) || !(ftLr > 0) || !(margin > 0)
                    || !(delta > 0) || gap < 1) {
                throw new JobFailedException("stall and noise in [0, 1), learning rates, margin and delta > 0, pair-gap >= 1");
            }
            String[] range = classes.split("\\.\\.");
            int lo;
            int hi;
            try {
                lo = Integer.parseInt(range[0].trim());
                hi = Integer.parseInt(range[1].trim());
            } catch (RuntimeException e) {
                throw new JobFailedException("classes must look like 3..8, got '" + classes + "'");
            }
            if (hi - lo < gap) {
                throw new JobFailedException("classes " + classes + " leave no pair " + gap + " classes apart");
            }
            return new Settings(new SelfaiRecipe.Settings(size, width, dilation, pre, n2n, ft, augment, batch, preLr, ftLr,
                    margin, delta, gap, noise, stall, grow, lo, hi), p.string("data", "mebeauty"),
                    p.string("model", ImageScorerSpec.MODEL_NAME), rows(p, "rows"), rows(p, "val-rows"));
        }

        private static int rows(JobParams p, String name) throws JobFailedException {
            String v = p.string(name, "all").trim();
            if (v.equals("all")) {
                return Integer.MAX_VALUE;
            }
            try {
                int n = Integer.parseInt(v);
                if (n >= 4) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new JobFailedException(name + " must be 'all' or a number >= 4, got '" + v + "'");
        }

        String variant() {
            SelfaiRecipe.Settings r = recipe;
            return r.pretrainEpochs() == 0 ? "no pre-training" : r.net2net() ? "siamese pre-training + net2net"
                    : "siamese pre-training";
        }
    }

    @Override
    public TrainedModel run(JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        p.requireKnown(parameters().keySet(), name());
        Settings s = Settings.read(p);
        SelfaiRecipe.Settings r = s.recipe();
        Path base = ctx.dataDir().resolve(s.data());
        FaceCrops train;
        FaceCrops val;
        try {
            train = FaceCrops.read(base.resolve(TRAIN_LIST), base, r.size(), s.rows());
            val = FaceCrops.read(base.resolve(VAL_LIST), base, r.size(), s.valRows());
        } catch (IOException | RuntimeException e) {
            throw new JobFailedException("cannot read the crops under " + DataPaths.describe(ctx.dataDir(), base) + ": "
                    + e.getMessage(), e);
        }
        if (train.size() < 4 || val.size() < 3) {
            throw new JobFailedException("too few crops: " + train.size() + " train, " + val.size() + " val");
        }
        SelfaiRecipe recipe = new SelfaiRecipe(r, line -> {
            ctx.checkCancelled();
            ctx.progress(0, r.finetuneEpochs(), 0, Double.NaN, 0, -1, Map.of(), line);
        });
        ctx.progress(0, r.finetuneEpochs(), 0, Double.NaN, 0, -1, Map.of(), String.format(
                "%s: %d train / %d val crops at %dpx; final architecture %s", s.variant(), train.size(), val.size(),
                r.size(), recipe.finalArchitecture().describe()));
        SelfaiRecipe.Result res;
        try {
            res = recipe.run(train, val, ctx.seed());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new JobFailedException("training failed: " + e.getMessage(), e);
        }
        double[] dl4jVal = SelfaiRecipe.predict(res.network(), val);
        for (double v : dl4jVal) {
            if (!Double.isFinite(v)) {
                throw new JobFailedException("the network diverged (non-finite scores)");
            }
        }
        TinyDarknet arch = res.architecture();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ImageScorerSpec.META_SCALE_MIN, "1");
        meta.put(ImageScorerSpec.META_SCALE_MAX, "10");
        meta.put(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY);
        meta.put(ImageScorerSpec.META_DATASET, "mebeauty-2022-train");
        meta.put(ImageScorerSpec.META_BACKBONE, "selfai tiny-darknet (DL4J, trained from scratch): " + arch.describe());
        byte[] inner;
        byte[] onnx;
        try {
            inner = SelfaiOnnx.inner(res.network(), r.size());
            onnx = SelfaiOnnx.scorer(inner, r.size(), meta);
        } catch (RuntimeException e) {
            throw new JobFailedException("the network cannot be exported: " + e.getMessage(), e);
        }
        // parity on up to 64 val crops: the inner export against DL4J, then the served graph (NHWC 0..255) against DL4J
        int probe = Math.min(64, val.size());
        float[][] probeImgs = Arrays.copyOf(val.images(), probe);
        INDArray x = SelfaiRecipe.batch(probeImgs, r.size());
        double innerParity;
        double servedParity = 0;
        double[] served = new double[val.size()];
        try {
            innerParity = Parity.check(res.network(), inner, SelfaiOnnx.INNER_INPUT, ImageScorerSpec.OUTPUT, x).maxAbsDiff();
            try (OnnxSession session = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
                ImageScorerSpec.check(session, null);
                for (int from = 0; from < val.size(); from += 32) {
                    int to = Math.min(val.size(), from + 32);
                    float[] scores = ImageScorerSpec.score(session, FaceCrops.nhwc(Arrays.copyOfRange(val.images(), from, to),
                            r.size()), to - from, r.size());
                    for (int i = from; i < to; i++) {
                        served[i] = scores[i - from];
                        servedParity = Math.max(servedParity, Math.abs(served[i] - dl4jVal[i]));
                    }
                }
            }
        } catch (OrtException e) {
            throw new JobFailedException("the exported model does not run in ONNX Runtime: " + e.getMessage(), e);
        } catch (ModelRejectedException e) {
            throw new JobFailedException("the exported model breaks the image scorer contract: " + e.getMessage(), e);
        }
        double parity = Math.max(innerParity, servedParity);
        if (!(parity <= Parity.TOLERANCE)) {
            throw new JobFailedException(String.format("the ONNX export is not exact: inner %.3g, served %.3g (tolerance "
                    + "%.0e); nothing published", innerParity, servedParity, Parity.TOLERANCE));
        }
        RegressionMetrics m = RegressionMetrics.of(served, val.scores());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("plcc", m.plcc());
        metrics.put("srcc", m.srcc());
        metrics.put("mae", m.mae());
        metrics.put("rmse", m.rmse());
        metrics.put("n", (double) m.n());
        metrics.put("train_images", (double) train.size());
        metrics.put("pretrain_seconds", res.pretrainSeconds());
        metrics.put("finetune_seconds", res.finetuneSeconds());
        metrics.put("train_seconds", res.pretrainSeconds() + res.finetuneSeconds());
        metrics.put("parameters", (double) res.network().numParams());
        metrics.put("macs_per_image", (double) arch.macs());

        Map<String, String> properties = new LinkedHashMap<>(meta);
        properties.put(ImageScorerSpec.META_SIZE, Integer.toString(r.size()));
        properties.put(ModelProperties.ARCHITECTURE, arch.describe());
        properties.put("evaluated.on", "mebeauty val_2022 crops");
        Map<String, String> hyper = p.used();
        hyper.put("seed", Long.toString(ctx.seed()));
        List<String> notes = new ArrayList<>();
        notes.add("variant: " + s.variant() + "; metrics on the val split (" + val.size() + " crops) through the exported "
                + "model.onnx on ONNX Runtime, fed NHWC 0..255 crops resized to " + r.size() + "px as the service does; "
                + "the last epoch's network is published (no selection on val)");
        notes.add(String.format("export parity: inner graph vs DL4J %.3g on %d val crops, served graph vs DL4J %.3g on all "
                + "val crops", innerParity, probe, servedParity));
        for (SelfaiRecipe.Event e : res.events()) {
            notes.add("net2net: " + e.stage() + " epoch " + e.epoch() + ": " + e.operator() + " -> " + e.architecture());
        }
        notes.add("siamese pair loss per epoch: " + rounded(res.pretrainLoss()));
        notes.add("huber loss per fine-tuning epoch: " + rounded(res.finetuneLoss()));
        notes.add("val PLCC (DL4J) per fine-tuning epoch, for the curve only: " + rounded(res.validationPlcc()));
        String dataHash;
        try {
            dataHash = Hashing.sha256(base.resolve(TRAIN_LIST));
        } catch (IOException e) {
            throw new JobFailedException("cannot hash " + TRAIN_LIST + ": " + e.getMessage(), e);
        }
        String ref = String.format("%s: %s, %d crops (the authors' 2022 train split, present images; MTCNN-aligned crops); "
                + "val %s, %d crops", s.data(), DataPaths.describe(ctx.dataDir(), base.resolve(TRAIN_LIST)), train.size(),
                DataPaths.describe(ctx.dataDir(), base.resolve(VAL_LIST)), val.size());
        return new TrainedModel(s.model(), res.network(), onnx, null, parity, metrics, properties, hyper, ref, dataHash,
                Map.of(), notes);
    }

    private static String rounded(List<Double> v) {
        return v.stream().map(d -> String.format("%.4f", d)).toList().toString();
    }

    /** Whether the MEBeauty crops are present (tools skip the job otherwise). */
    static boolean present(Path dataDir) {
        return Files.isRegularFile(dataDir.resolve("mebeauty").resolve(TRAIN_LIST));
    }
}
