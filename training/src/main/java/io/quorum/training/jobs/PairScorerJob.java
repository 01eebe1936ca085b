package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.shared.model.ModelProperties;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.GeneratedPairs;
import io.quorum.training.data.PairVectorSource;
import io.quorum.training.data.PairVectors;
import io.quorum.training.export.Dl4jOnnxExporter;
import io.quorum.training.export.Parity;
import io.quorum.training.steps.PairParams;
import io.quorum.training.steps.PairSplits;
import io.quorum.training.steps.PlattCalibration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.L2Vertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The duplicate-pair Siamese network of the seed post and its variants: a tower of {@code depth} dense layers
 * ({@code hidden} units, batch norm before or after ReLU, residual connections, dropout), optionally the
 * concatenation of every tower layer ("layer concat"), shared by both questions; then either the seed's head (a
 * logistic on the Euclidean or cosine distance of the two tower outputs) or the {@code features} head (a small MLP
 * on (a-b)^2, a*b, the tower distance and the input distance). Adam, binary cross-entropy, early stopping on a dev split, the decision
 * threshold calibrated on that dev split, metrics on a validation split the network never saw.
 */
public final class PairScorerJob implements TrainingJob {

    private final List<PairVectorSource> sources;

    public PairScorerJob(List<PairVectorSource> sources) {
        this.sources = List.copyOf(sources);
    }

    @Override
    public String name() {
        return "pair-scorer";
    }

    @Override
    public String description() {
        return "Siamese duplicate-pair scorer (seed architecture and variants) on the vectors of an embedder";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", "generated - 'generated', or a QQP/MRPC file (with embedder)");
        p.put("n", "4000 - pairs to generate (data=generated)");
        p.put("dim", "16 - vector length (data=generated)");
        p.put("noise", "0.35 - duplicate noise (data=generated)");
        p.put("model", PairScorerSpec.MODEL_NAME + " - registry name to publish under");
        p.put("depth", "3 - tower layers (2 or 3 in the seed's table)");
        p.put("hidden", "128 - units per tower layer");
        p.put("residual", "true - residual connections between tower layers");
        p.put("bn", "before - batch norm before ReLU, after ReLU, or none");
        p.put("dropout", "0 - dropout rate after each tower layer");
        p.put("concat", "true - concatenate every tower layer's output (seed's layer concat)");
        p.put("distance", "euclidean - euclidean or cosine");
        p.put("head", "distance - the seed's logistic on the distance, or features (MLP on (a-b)^2, a*b, distance)");
        p.put("epochs", "30 - most epochs (early stopping on the dev split)");
        p.put("patience", "5 - epochs without dev improvement before stopping");
        p.put("batch", "64 - minibatch size");
        p.put("lr", "0.001 - Adam learning rate");
        p.put("l2", "0.0001 - L2 weight decay");
        p.put("embedder", "minilm - minilm, minilm-q, tfidf-w2v or mean-w2v (file data)");
        p.put("vectors", "glove - word vectors for tfidf-w2v/mean-w2v: glove (pretrained), self (trained word2vec), minilm-context (distilled from MiniLM) or a file");
        PairParams.declare(p, "early stopping and threshold calibration");
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
        String data = p.string("data", "generated");
        PairVectors all;
        if (data.equals("generated")) {
            all = GeneratedPairs.generate(p.integer("n", 4000), p.integer("dim", 16), p.number("noise", 0.35), ctx.seed());
        } else {
            PairVectorSource source = sources.stream().filter(s -> s.handles(data)).findFirst()
                    .orElseThrow(() -> new JobFailedException("no data source reads '" + data + "'"));
            all = source.load(data, ctx);
        }
        if (all.size() < 20) {
            throw new JobFailedException("too few labelled pairs to train on: " + all.size());
        }
        Architecture arch = Architecture.from(p);
        int epochs = p.integer("epochs", 30);
        int patience = p.integer("patience", 5);
        int batch = p.integer("batch", 64);
        double lr = p.number("lr", 0.001);
        double l2 = p.number("l2", 1e-4);
        if (epochs < 1 || batch < 1 || !(lr > 0)) {
            throw new JobFailedException("epochs and batch must be >= 1 and lr > 0");
        }
        Splits s = Splits.of(all, p, ctx.seed());
        ctx.progress(0, epochs, 0, Double.NaN, 0, -1, Map.of(), String.format(
                "training on %d pairs (%d dev, %d validation), dim %d, %s", s.train.size(), s.dev.size(), s.val.size(),
                all.dim(), arch));

        ComputationGraph net = new ComputationGraph(arch.configuration(all.dim(), lr, l2, ctx.seed()));
        net.init();
        if (arch.head().equals("distance")) {
            // a larger distance means less likely a duplicate: start the logistic on the right side of that prior,
            // otherwise a random positive slope can leave training stuck on the inverted solution
            net.getLayer("out").getParam("W").assign(-1.0);
            net.getLayer("out").getParam("b").assign(0.0);
        }
        Dl4jProgress listener = new Dl4jProgress(ctx, epochs, (s.train.size() + batch - 1) / batch, batch);
        net.setListeners(listener);
        Random shuffle = new Random(ctx.seed());
        double bestDev = Double.POSITIVE_INFINITY;
        INDArray bestParams = null;
        int sinceBest = 0;
        int epochsRun = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            listener.epoch(epoch);
            int[] order = PairSplits.permutation(s.train.size(), shuffle);
            for (int from = 0; from < order.length; from += batch) {
                int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + batch));
                if (idx.length < 2) {
                    continue; // batch norm needs two examples
                }
                PairVectors b = s.train.subset(idx);
                try {
                    net.fit(new MultiDataSet(new INDArray[] {matrix(b.left()), matrix(b.right())}, new INDArray[] {labels(b)}));
                } catch (Dl4jProgress.DivergedException e) {
                    throw new JobFailedException(e.getMessage());
                }
            }
            epochsRun = epoch;
            double[] devP = predict(net, s.dev);
            double devLoss = BinaryMetrics.compute(devP, s.dev.labels(), 0.5).get(BinaryMetrics.LOGLOSS);
            if (!Double.isFinite(devLoss)) {
                throw new JobFailedException("training diverged: dev log loss is " + devLoss + " after epoch " + epoch);
            }
            if (devLoss < bestDev - 1e-5) {
                bestDev = devLoss;
                bestParams = net.params().dup();
                sinceBest = 0;
            } else {
                sinceBest++;
            }
            ctx.progress(epoch, epochs, listener.step(), listener.lastLoss(), listener.examplesPerSecond(),
                    listener.etaSeconds(), Map.of("dev_logloss", devLoss), null);
            if (sinceBest >= patience) {
                break;
            }
        }
        if (bestParams != null) {
            net.setParams(bestParams);
        }
        // Platt scaling on the dev split, folded into the output layer: the network itself (and its export) is calibrated
        PlattCalibration platt = PlattCalibration.fit(predict(net, s.dev), s.dev.labels());
        platt.foldInto(net.getLayer("out").getParam("W"), net.getLayer("out").getParam("b"));
        double threshold = BinaryMetrics.bestThreshold(predict(net, s.dev), s.dev.labels());
        Map<String, Double> metrics = new LinkedHashMap<>(BinaryMetrics.compute(predict(net, s.val), s.val.labels(), threshold));
        metrics.put("dev_logloss", bestDev);
        metrics.put("platt_scale", platt.scale());
        metrics.put("epochs", (double) epochsRun);
        metrics.put("train_pairs", (double) s.train.size());

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(PairScorerSpec.META_THRESHOLD, Double.toString(threshold));
        if (all.embedder() != null) {
            meta.put(PairScorerSpec.META_EMBEDDER, all.embedder());
        }
        if (all.embedderVersion() != null) {
            meta.put(PairScorerSpec.META_EMBEDDER_VERSION, Integer.toString(all.embedderVersion()));
        }
        byte[] onnx = Dl4jOnnxExporter.export(net, Map.of(PairScorerSpec.INPUT_LEFT, new long[] {all.dim()},
                PairScorerSpec.INPUT_RIGHT, new long[] {all.dim()}), Map.of("out", PairScorerSpec.OUTPUT), meta);
        double parity;
        try {
            PairVectors held = s.val.size() > 512 ? s.val.subset(java.util.stream.IntStream.range(0, 512).toArray()) : s.val;
            parity = Parity.check(net, onnx, Map.of(PairScorerSpec.INPUT_LEFT, matrix(held.left()),
                    PairScorerSpec.INPUT_RIGHT, matrix(held.right())), "out", PairScorerSpec.OUTPUT).maxAbsDiff();
        } catch (OrtException e) {
            throw new JobFailedException("the exported model does not load in ONNX Runtime: " + e.getMessage(), e);
        }
        Map<String, String> properties = new LinkedHashMap<>(meta);
        properties.put(ModelProperties.DIMENSION, Integer.toString(all.dim()));
        properties.put(ModelProperties.ARCHITECTURE, arch.toString());
        Map<String, String> hyper = p.used();
        hyper.put("seed", Long.toString(ctx.seed()));
        return new TrainedModel(p.string("model", PairScorerSpec.MODEL_NAME), net, onnx, null, parity, metrics, properties,
                hyper, all.dataRef(), all.dataHash(), Map.of(), List.of());
    }

    /** Probabilities for every pair of {@code v}. */
    public static double[] predict(ComputationGraph net, PairVectors v) {
        double[] out = new double[v.size()];
        int chunk = 1024;
        for (int from = 0; from < v.size(); from += chunk) {
            int[] idx = java.util.stream.IntStream.range(from, Math.min(v.size(), from + chunk)).toArray();
            PairVectors b = v.subset(idx);
            INDArray p = net.output(false, matrix(b.left()), matrix(b.right()))[0];
            for (int i = 0; i < idx.length; i++) {
                out[from + i] = p.getDouble(i, 0);
            }
        }
        return out;
    }

    static INDArray matrix(float[][] rows) {
        return Nd4j.create(rows).castTo(DataType.FLOAT);
    }

    static INDArray labels(PairVectors v) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, v.size(), 1);
        for (int i = 0; i < v.size(); i++) {
            y.putScalar(i, 0, v.labels()[i]);
        }
        return y;
    }

    /** Train / dev / validation split of the pairs: see {@link PairSplits}. */
    record Splits(PairVectors train, PairVectors dev, PairVectors val) {
        static Splits of(PairVectors all, JobParams p, long seed) throws JobFailedException {
            PairSplits idx = PairSplits.of(all.size(), p, seed);
            return new Splits(all.subset(idx.train()), all.subset(idx.dev()), all.subset(idx.validation()));
        }
    }

    /**
     * Batch norm with Keras' epsilon (1e-3, as in the seed's code) rather than DL4J's 1e-5: a unit whose running
     * variance is tiny would otherwise divide float32 rounding differences by ~3e-3 and push the ONNX export past
     * its 1e-4 parity bound.
     */
    static BatchNormalization batchNorm() {
        return new BatchNormalization.Builder().eps(1e-3).build();
    }

    /** The network shape, from the job parameters. */
    record Architecture(int depth, int hidden, boolean residual, String bn, double dropout, boolean concat,
                        String distance, String head) {

        static Architecture from(JobParams p) throws JobFailedException {
            Architecture a = new Architecture(p.integer("depth", 3), p.integer("hidden", 128), p.bool("residual", true),
                    p.oneOf("bn", "before", "before", "after", "none"), p.number("dropout", 0), p.bool("concat", true),
                    p.oneOf("distance", "euclidean", "euclidean", "cosine"), p.oneOf("head", "distance", "distance", "features"));
            if (a.depth < 1 || a.depth > 8 || a.hidden < 1 || a.dropout < 0 || a.dropout >= 1) {
                throw new JobFailedException("depth must be 1..8, hidden >= 1, dropout in [0, 1)");
            }
            return a;
        }

        ComputationGraphConfiguration configuration(int dim, double lr, double l2, long seed) {
            var g = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(lr)).l2(l2)
                    .weightInit(WeightInit.RELU).graphBuilder()
                    .addInputs(PairScorerSpec.INPUT_LEFT, PairScorerSpec.INPUT_RIGHT)
                    .addVertex("stack", new StackVertex(), PairScorerSpec.INPUT_LEFT, PairScorerSpec.INPUT_RIGHT);
            String prev = "stack";
            List<String> layerOutputs = new ArrayList<>();
            for (int i = 1; i <= depth; i++) {
                String d = "dense" + i;
                boolean res = residual && i > 1;
                String out;
                switch (bn) {
                    case "before" -> {
                        g.addLayer(d, new DenseLayer.Builder().nOut(hidden).activation(Activation.IDENTITY).build(), prev);
                        g.addLayer("bn" + i, batchNorm(), d);
                        String pre = "bn" + i;
                        if (res) {
                            g.addVertex("res" + i, new ElementWiseVertex(ElementWiseVertex.Op.Add), pre, prev);
                            pre = "res" + i;
                        }
                        g.addLayer("relu" + i, new ActivationLayer.Builder().activation(Activation.RELU).build(), pre);
                        out = "relu" + i;
                    }
                    case "after" -> {
                        g.addLayer(d, new DenseLayer.Builder().nOut(hidden).activation(Activation.RELU).build(), prev);
                        g.addLayer("bn" + i, batchNorm(), d);
                        out = "bn" + i;
                        if (res) {
                            g.addVertex("res" + i, new ElementWiseVertex(ElementWiseVertex.Op.Add), out, prev);
                            out = "res" + i;
                        }
                    }
                    default -> {
                        g.addLayer(d, new DenseLayer.Builder().nOut(hidden).activation(Activation.RELU).build(), prev);
                        out = d;
                        if (res) {
                            g.addVertex("res" + i, new ElementWiseVertex(ElementWiseVertex.Op.Add), out, prev);
                            out = "res" + i;
                        }
                    }
                }
                if (dropout > 0) {
                    g.addLayer("drop" + i, new DropoutLayer.Builder(1 - dropout).build(), out);
                    out = "drop" + i;
                }
                layerOutputs.add(out);
                prev = out;
            }
            String tower = prev;
            if (concat && depth > 1) {
                g.addVertex("concat", new MergeVertex(), layerOutputs.toArray(String[]::new));
                tower = "concat";
                if (!bn.equals("none")) {
                    g.addLayer("bn_concat", batchNorm(), tower);
                    tower = "bn_concat";
                }
            }
            g.addVertex("a", new UnstackVertex(0, 2), tower);
            g.addVertex("b", new UnstackVertex(1, 2), tower);
            String a = "a";
            String b = "b";
            if (distance.equals("cosine")) {
                g.addVertex("na", new L2NormalizeVertex(), "a");
                g.addVertex("nb", new L2NormalizeVertex(), "b");
                a = "na";
                b = "nb";
            }
            if (head.equals("features")) {
                g.addVertex("diff", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), a, b);
                g.addVertex("sq", new ElementWiseVertex(ElementWiseVertex.Op.Product), "diff", "diff");
                g.addVertex("prod", new ElementWiseVertex(ElementWiseVertex.Op.Product), a, b);
                // the distance of the unit-normalised tower outputs (sqrt(2 - 2 cos)): bounded, so its float32 sum is
                // exact enough for the 1e-4 export parity even on wide towers (a raw distance over 384 dims is not)
                if (!distance.equals("cosine")) {
                    g.addVertex("na", new L2NormalizeVertex(), a);
                    g.addVertex("nb", new L2NormalizeVertex(), b);
                }
                g.addVertex("dist", new L2Vertex(), "na", "nb");
                // a skip connection from the inputs: the distance of the unit-normalised input vectors, so the head
                // always has the raw embeddings' similarity (a strong paraphrase signal by itself) next to the tower's
                g.addVertex("left_unit", new L2NormalizeVertex(), PairScorerSpec.INPUT_LEFT);
                g.addVertex("right_unit", new L2NormalizeVertex(), PairScorerSpec.INPUT_RIGHT);
                g.addVertex("input_dist", new L2Vertex(), "left_unit", "right_unit");
                g.addVertex("features", new MergeVertex(), "sq", "prod", "dist", "input_dist");
                g.addLayer("bn_features", batchNorm(), "features");
                g.addLayer("head", new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build(), "bn_features");
                g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1)
                        .activation(Activation.SIGMOID).build(), "head");
            } else {
                g.addVertex("dist", new L2Vertex(), a, b);
                // the distance's scale depends on the tower width; standardising it keeps the logistic out of saturation
                g.addLayer("bn_dist", batchNorm(), "dist");
                g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1)
                        .activation(Activation.SIGMOID).weightInit(WeightInit.XAVIER).build(), "bn_dist");
            }
            return g.setOutputs("out").setInputTypes(InputType.feedForward(dim), InputType.feedForward(dim)).build();
        }

        @Override
        public String toString() {
            return String.format("depth=%d hidden=%d residual=%s bn=%s dropout=%s concat=%s distance=%s head=%s", depth,
                    hidden, residual, bn, dropout, concat, distance, head);
        }
    }
}
