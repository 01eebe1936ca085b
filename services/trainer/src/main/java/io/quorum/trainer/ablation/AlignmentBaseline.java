package io.quorum.trainer.ablation;

import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.PairAlignment;
import io.quorum.trainer.jobs.JobContext;
import io.quorum.trainer.jobs.JobFailedException;
import io.quorum.trainer.jobs.JobParams;
import io.quorum.trainer.jobs.PairScorerJob;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
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
 * The ablation's {@code head=align-lr} row: how far frozen MiniLM goes on a pair when the two sides' token vectors
 * meet ({@link PairAlignment}: token alignment, IDF-weighted coverage, unaligned content, lexical overlap), with
 * logistic regression (DL4J) on those 23 features. Same folds as the Siamese rows ({@link PairScorerJob#splitIndices});
 * the IDF and the decision threshold are fitted on each fold's training and dev rows only.
 *
 * <p>An evaluation, not a served model: serving it needs pair features computed where both texts' token vectors
 * exist (the embedding service, for submitted pairs); duplicate search compares against stored sentence vectors only.
 */
final class AlignmentBaseline {

    /** Pairs embedded per inference round: bounds the token vectors held at once. */
    private static final int CHUNK = 256;
    private static final int EPOCHS = 60;
    private static final int BATCH = 128;

    private final MiniLmEmbedder minilm;
    /** Alignments per data set (the folds of one run share them). */
    private final Map<List<LabeledPair>, List<PairAlignment.Aligned>> cache = new HashMap<>();

    AlignmentBaseline(MiniLmEmbedder minilm) {
        this.minilm = minilm;
    }

    /** Trains on the fold's training split, calibrates the threshold on dev, and reports metrics on validation. */
    Map<String, Double> run(List<LabeledPair> pairs, JobContext ctx) throws JobFailedException {
        List<PairAlignment.Aligned> aligned = cache.computeIfAbsent(pairs, this::align);
        JobParams p = ctx.params();
        int[][] split = PairScorerJob.splitIndices(pairs.size(), p, ctx.seed());
        List<String[]> docs = new ArrayList<>();
        for (int[] part : new int[][] {split[0], split[1]}) {
            for (int i : part) {
                docs.add(aligned.get(i).piecesA());
                docs.add(aligned.get(i).piecesB());
            }
        }
        ToDoubleFunction<String> idf = PairAlignment.idf(docs);
        double[][] x = new double[pairs.size()][];
        int[] y = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            x[i] = PairAlignment.features(pairs.get(i).left(), pairs.get(i).right(), aligned.get(i), idf);
            y[i] = pairs.get(i).label();
        }
        Standardizer z = Standardizer.fit(x, split[0]);
        MultiLayerNetwork net = logisticRegression(x[0].length, ctx.seed());
        INDArray trainX = z.matrix(x, split[0]);
        INDArray trainY = labels(y, split[0]);
        java.util.Random rnd = new java.util.Random(ctx.seed());
        int n = split[0].length;
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            int[] order = shuffled(n, rnd);
            for (int from = 0; from < n; from += BATCH) {
                int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + BATCH));
                net.fit(new DataSet(trainX.getRows(rows), trainY.getRows(rows)));
            }
        }
        // 23 weights hardly overfit, so the threshold is calibrated on train and dev together (steadier than dev alone)
        int[] calibration = java.util.stream.IntStream.concat(java.util.Arrays.stream(split[0]),
                java.util.Arrays.stream(split[1])).toArray();
        double threshold = BinaryMetrics.bestThreshold(predict(net, z.matrix(x, calibration)), select(y, calibration));
        Map<String, Double> metrics = new LinkedHashMap<>(
                BinaryMetrics.compute(predict(net, z.matrix(x, split[2])), select(y, split[2]), threshold));
        metrics.put("features", (double) x[0].length);
        metrics.put("train_pairs", (double) n);
        return metrics;
    }

    private List<PairAlignment.Aligned> align(List<LabeledPair> pairs) {
        List<PairAlignment.Aligned> out = new ArrayList<>(pairs.size());
        for (int from = 0; from < pairs.size(); from += CHUNK) {
            List<LabeledPair> chunk = pairs.subList(from, Math.min(pairs.size(), from + CHUNK));
            List<String> texts = new ArrayList<>(chunk.size() * 2);
            for (LabeledPair lp : chunk) {
                texts.add(lp.left());
                texts.add(lp.right());
            }
            List<MiniLmEmbedder.TokenVectors> t = minilm.tokenVectors(texts);
            for (int i = 0; i < chunk.size(); i++) {
                out.add(PairAlignment.align(t.get(2 * i), t.get(2 * i + 1)));
            }
        }
        return out;
    }

    static MultiLayerNetwork logisticRegression(int features, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(0.01))
                .l2(1e-3)
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT)
                        .nIn(features).nOut(1).activation(Activation.SIGMOID).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static double[] predict(MultiLayerNetwork net, INDArray x) {
        return net.output(x).reshape(-1).toDoubleVector();
    }

    private static int[] select(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }

    private static INDArray labels(int[] y, int[] rows) {
        double[][] out = new double[rows.length][1];
        for (int i = 0; i < rows.length; i++) {
            out[i][0] = y[rows[i]];
        }
        return Nd4j.create(out).castTo(DataType.FLOAT);
    }

    private static int[] shuffled(int n, java.util.Random rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** Zero mean, unit variance per feature, fitted on the training rows. */
    record Standardizer(double[] mean, double[] std) {
        static Standardizer fit(double[][] x, int[] rows) {
            int f = x[0].length;
            double[] mean = new double[f];
            double[] std = new double[f];
            for (int i : rows) {
                for (int j = 0; j < f; j++) {
                    mean[j] += x[i][j] / rows.length;
                }
            }
            for (int i : rows) {
                for (int j = 0; j < f; j++) {
                    std[j] += Math.pow(x[i][j] - mean[j], 2) / rows.length;
                }
            }
            for (int j = 0; j < f; j++) {
                std[j] = Math.max(Math.sqrt(std[j]), 1e-9);
            }
            return new Standardizer(mean, std);
        }

        INDArray matrix(double[][] x, int[] rows) {
            double[][] out = new double[rows.length][];
            for (int r = 0; r < rows.length; r++) {
                double[] v = new double[mean.length];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (x[rows[r]][j] - mean[j]) / std[j];
                }
                out[r] = v;
            }
            return Nd4j.create(out).castTo(DataType.FLOAT);
        }
    }
}
