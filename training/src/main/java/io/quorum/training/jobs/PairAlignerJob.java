package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.PairAlignment;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobCancelledException;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.shared.model.ModelProperties;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.EmbedderResolver;
import io.quorum.training.data.TextPairSource;
import io.quorum.training.export.Dl4jOnnxExporter;
import io.quorum.training.export.Parity;
import io.quorum.training.steps.LogisticRegression;
import io.quorum.training.steps.PairParams;
import io.quorum.training.steps.PairSplits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Job {@code pair-aligner}: logistic regression (DL4J) on the interaction features of each pair
 * ({@link PairAlignment}: MiniLM token alignment, unaligned content, lexical overlap), the features the embedding
 * service attaches to every MiniLM {@code PairEmbedded}. On MRPC it beats every sentence-vector Siamese (0.77 vs
 * 0.73 accuracy, 0.83 vs 0.76 AUC), because paraphrase negatives differ by a number, a name or a clause that pooled
 * sentence vectors average away. The feature standardisation is folded into the exported weights, so the ONNX model
 * takes the features as sent; threshold and feature set travel in its metadata ({@link PairAlignerSpec}).
 */
public final class PairAlignerJob implements TrainingJob {

    /** Pairs whose tokens are embedded per inference round: bounds the token vectors held at once. */
    private static final int CHUNK = 256;

    private final TextPairSource source;
    private final EmbedderResolver embedders;
    /** Features per data hash and embedder version: cross-validation folds and retries share them. */
    private final Map<String, float[][]> cache = new ConcurrentHashMap<>();

    public PairAlignerJob(TextPairSource source, EmbedderResolver embedders) {
        this.source = source;
        this.embedders = embedders;
    }

    @Override
    public String name() {
        return PairAlignerSpec.MODEL_NAME;
    }

    @Override
    public String description() {
        return "Pair scorer on MiniLM token-alignment and lexical-overlap features (logistic regression)";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", "- a QQP/MRPC file, or 'labeled' (the pairs received on quorum.pairs.labeled)");
        p.put("model", PairAlignerSpec.MODEL_NAME + " - registry name to publish under");
        p.put("embedder", "minilm - a MiniLM model (minilm, minilm-q, a fine-tuned one): the token vectors the features come from");
        p.put("epochs", "60 - passes over the training split");
        p.put("batch", "128 - minibatch size");
        p.put("lr", "0.01 - Adam learning rate");
        p.put("l2", "0.001 - L2 weight decay");
        PairParams.declare(p, "threshold calibration (with the training rows)");
        return p;
    }

    @Override
    public Gate gate(JobParams params) throws JobFailedException {
        return PairParams.gate(params);
    }

    @Override
    public TrainedModel run(JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        p.requireKnown(parameters().keySet(), name());
        Map<String, String> ref = new LinkedHashMap<>();
        List<LabeledPair> pairs = source.readTraining(ctx, name(), ref);
        String embedder = p.string("embedder", "minilm");
        int epochs = p.integer("epochs", 60);
        int batch = p.integer("batch", 128);
        double lr = p.number("lr", 0.01);
        double l2 = p.number("l2", 1e-3);
        if (epochs < 1 || batch < 1 || !(lr > 0) || l2 < 0) {
            throw new JobFailedException("epochs and batch must be >= 1, lr > 0 and l2 >= 0");
        }
        String dataHash = TextPairSource.hash(pairs);
        float[][] x;
        Integer embedderVersion;
        String embedderRef;
        try (EmbedderResolver.Resolved e = embedders.resolve(embedder, null, List.of())) {
            if (!(e.embedder() instanceof MiniLmEmbedder minilm)) {
                throw new JobFailedException("embedder " + embedder + " has no token vectors (minilm or minilm-q)");
            }
            embedderVersion = e.version();
            embedderRef = e.ref();
            x = cache.computeIfAbsent(dataHash + "/" + embedder + "/" + e.version(), k -> features(minilm, pairs, ctx));
        } catch (JobFailedException | JobCancelledException e) {
            throw e;
        } catch (Exception e) {
            throw new JobFailedException("cannot load embedder " + embedder + ": " + e.getMessage(), e);
        }
        int[] y = pairs.stream().mapToInt(LabeledPair::label).toArray();
        PairSplits split = PairSplits.of(pairs.size(), p, ctx.seed());
        int[] train = split.train();
        int[] calibration = split.trainAndDev();
        int k = x[0].length;

        LogisticRegression regression = LogisticRegression.fit(x, y, train, new LogisticRegression.Settings(epochs, batch, lr, l2), ctx);
        MultiLayerNetwork net = regression.network();
        double threshold = BinaryMetrics.bestThreshold(regression.predict(x, calibration), select(y, calibration));
        Map<String, Double> metrics = new LinkedHashMap<>(
                BinaryMetrics.compute(regression.predict(x, split.validation()), select(y, split.validation()), threshold));
        metrics.put("train_pairs", (double) train.length);

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(PairScorerSpec.META_THRESHOLD, Double.toString(threshold));
        meta.put(PairAlignerSpec.META_FEATURES, PairAlignment.FEATURE_SET);
        meta.put(PairScorerSpec.META_EMBEDDER, embedder);
        if (embedderVersion != null) {
            meta.put(PairScorerSpec.META_EMBEDDER_VERSION, Integer.toString(embedderVersion));
        }
        byte[] onnx = Dl4jOnnxExporter.export(net, PairAlignerSpec.INPUT, new long[] {k}, PairAlignerSpec.OUTPUT, meta);
        double parity;
        try {
            int[] held = Arrays.copyOf(split.validation(), Math.min(512, split.validation().length));
            parity = Parity.check(net, onnx, PairAlignerSpec.INPUT, PairAlignerSpec.OUTPUT,
                    LogisticRegression.matrix(x, held)).maxAbsDiff();
        } catch (OrtException e) {
            throw new JobFailedException("the exported model does not load in ONNX Runtime: " + e.getMessage(), e);
        }
        Map<String, String> properties = new LinkedHashMap<>(meta);
        properties.put(ModelProperties.FEATURES, String.join(",", PairAlignment.NAMES));
        Map<String, String> hyper = p.used();
        hyper.put("seed", Long.toString(ctx.seed()));
        String dataRef = ref.get("file") + (ref.get("rows").equals("all") ? "" : " (first " + ref.get("rows") + " rows)")
                + ", " + pairs.size() + " pairs, features " + PairAlignment.FEATURE_SET + " from " + embedderRef;
        return new TrainedModel(p.string("model", PairAlignerSpec.MODEL_NAME), net, onnx, null, parity, metrics,
                properties, hyper, dataRef, dataHash, Map.of(), List.of());
    }

    private static float[][] features(MiniLmEmbedder minilm, List<LabeledPair> pairs, JobContext ctx) {
        float[][] out = new float[pairs.size()][];
        long t0 = System.nanoTime();
        for (int from = 0; from < pairs.size(); from += CHUNK) {
            ctx.checkCancelled();
            List<LabeledPair> chunk = pairs.subList(from, Math.min(pairs.size(), from + CHUNK));
            List<String> lefts = new ArrayList<>(chunk.size());
            List<String> rights = new ArrayList<>(chunk.size());
            for (LabeledPair lp : chunk) {
                lefts.add(lp.left());
                rights.add(lp.right());
            }
            float[][] f = PairAlignment.features(minilm, lefts, rights);
            System.arraycopy(f, 0, out, from, f.length);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int done = from + chunk.size();
            ctx.progress(0, 0, 0, Double.NaN, done / Math.max(seconds, 1e-9), -1, null,
                    "aligned " + done + " of " + pairs.size() + " pairs");
        }
        return out;
    }

    private static int[] select(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }
}
