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
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.EmbedderResolver;
import io.quorum.training.data.TextPairSource;
import io.quorum.training.export.Dl4jOnnxExporter;
import io.quorum.training.export.Parity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

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
        PairScorerJob.splitAndGateParameters(p, "threshold calibration (with the training rows)");
        return p;
    }

    @Override
    public Gate gate(JobParams params) throws JobFailedException {
        return PairScorerJob.pairGate(params);
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
        int[][] split = PairScorerJob.splitIndices(pairs.size(), p, ctx.seed());
        int[] train = split[0];
        int[] calibration = IntStream.concat(Arrays.stream(split[0]), Arrays.stream(split[1])).toArray();
        int k = x[0].length;

        MultiLayerNetwork net = fitLogistic(x, y, train, epochs, batch, lr, l2, ctx);
        double threshold = BinaryMetrics.bestThreshold(predict(net, matrix(x, calibration, null)), select(y, calibration));
        Map<String, Double> metrics = new LinkedHashMap<>(
                BinaryMetrics.compute(predict(net, matrix(x, split[2], null)), select(y, split[2]), threshold));
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
            int[] held = Arrays.copyOf(split[2], Math.min(512, split[2].length));
            parity = Parity.check(net, onnx, PairAlignerSpec.INPUT, PairAlignerSpec.OUTPUT, matrix(x, held, null)).maxAbsDiff();
        } catch (OrtException e) {
            throw new JobFailedException("the exported model does not load in ONNX Runtime: " + e.getMessage(), e);
        }
        Map<String, String> properties = new LinkedHashMap<>(meta);
        properties.put("features", String.join(",", PairAlignment.NAMES));
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

    /**
     * Logistic regression (DL4J, Adam, L2) on rows {@code rows} of {@code x}, standardised while training; the
     * standardisation is then folded into the weights, so the returned network takes raw features.
     */
    static MultiLayerNetwork fitLogistic(float[][] x, int[] y, int[] rows, int epochs, int batch, double lr, double l2,
                                         JobContext ctx) {
        double[][] std = standardization(x, rows);
        MultiLayerNetwork net = network(x[rows[0]].length, lr, l2, ctx.seed());
        INDArray trainX = matrix(x, rows, std);
        INDArray trainY = labels(y, rows);
        Random rnd = new Random(ctx.seed());
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = PairScorerJob.permutation(rows.length, rnd);
            for (int from = 0; from < order.length; from += batch) {
                int[] part = Arrays.copyOfRange(order, from, Math.min(order.length, from + batch));
                net.fit(new DataSet(trainX.getRows(part), trainY.getRows(part)));
                step++;
            }
            ctx.progress(epoch + 1, epochs, step, net.score(), 0, -1, Map.of(), null);
        }
        fold(net, std);
        return net;
    }

    static MultiLayerNetwork network(int features, double lr, double l2, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(lr))
                .l2(l2)
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT)
                        .nIn(features).nOut(1).activation(Activation.SIGMOID).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Per-feature {mean, std} over the training rows. */
    static double[][] standardization(float[][] x, int[] rows) {
        int k = x[rows[0]].length;
        double[] mean = new double[k];
        double[] std = new double[k];
        for (int i : rows) {
            for (int j = 0; j < k; j++) {
                mean[j] += x[i][j] / (double) rows.length;
            }
        }
        for (int i : rows) {
            for (int j = 0; j < k; j++) {
                std[j] += Math.pow(x[i][j] - mean[j], 2) / rows.length;
            }
        }
        for (int j = 0; j < k; j++) {
            std[j] = Math.max(Math.sqrt(std[j]), 1e-6);
        }
        return new double[][] {mean, std};
    }

    /**
     * Folds the standardisation into the output layer, so the network takes raw features:
     * {@code w·(x - m)/s + b = (w/s)·x + (b - Σ w m / s)}.
     */
    static void fold(MultiLayerNetwork net, double[][] std) {
        INDArray w = net.getLayer(0).getParam("W");
        INDArray b = net.getLayer(0).getParam("b");
        double shift = 0;
        for (int j = 0; j < std[0].length; j++) {
            double wj = w.getDouble(j, 0);
            shift += wj * std[0][j] / std[1][j];
            w.putScalar(j, 0, wj / std[1][j]);
        }
        b.putScalar(0, b.getDouble(0) - shift);
    }

    /** Rows of {@code x}, standardised with {@code std} when given. */
    static INDArray matrix(float[][] x, int[] rows, double[][] std) {
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            float[] v = x[rows[r]].clone();
            if (std != null) {
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) ((v[j] - std[0][j]) / std[1][j]);
                }
            }
            out[r] = v;
        }
        return Nd4j.create(out);
    }

    private static INDArray labels(int[] y, int[] rows) {
        float[][] out = new float[rows.length][1];
        for (int i = 0; i < rows.length; i++) {
            out[i][0] = y[rows[i]];
        }
        return Nd4j.create(out);
    }

    private static int[] select(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }

    static double[] predict(MultiLayerNetwork net, INDArray x) {
        return net.output(x).reshape(-1).toDoubleVector();
    }
}
