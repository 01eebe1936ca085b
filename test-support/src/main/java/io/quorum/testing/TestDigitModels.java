package io.quorum.testing;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.EnsembleFusion;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.onnx.OnnxGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Real image classifiers for tests, without DL4J: a one-hidden-layer perceptron ({@code x -> ReLU(x W1 + b1) -> softmax(h
 * W2 + b2)}) trained in plain Java by minibatch SGD (a few seconds on the 8,000 MNIST digits, ~0.9 accuracy), written
 * with the ONNX writer as {@code model.onnx} ({@code probabilities} and the hidden layer as {@code features}) and its
 * exact input-gradient graph {@code gradient.onnx} (hand-derived backward pass: {@code dz = p - y}, {@code dh = dz
 * W2^T * [h > 0]}, {@code dx = dh W1^T}), both following {@link DigitClassifierSpec}.
 */
public final class TestDigitModels {

    private TestDigitModels() {
    }

    /**
     * A perceptron's weights. {@code w1} is {@code [inputs, hidden]} and {@code w2} {@code [hidden, classes]}, row-major
     * (ONNX Gemm's {@code B}).
     */
    public record Mlp(int inputs, int hidden, int classes, float[] w1, float[] b1, float[] w2, float[] b2) {

        /** Class probabilities, computed in Java (the reference the ONNX graphs are checked against). */
        public float[][] probabilities(float[][] x) {
            float[][] out = new float[x.length][];
            float[] h = new float[hidden];
            for (int n = 0; n < x.length; n++) {
                forward(x[n], h);
                out[n] = softmax(logits(h));
            }
            return out;
        }

        /** Accuracy on labelled images. */
        public double accuracy(float[][] x, int[] y) {
            float[][] p = probabilities(x);
            int ok = 0;
            for (int n = 0; n < x.length; n++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (p[n][c] > p[n][best]) {
                        best = c;
                    }
                }
                ok += best == y[n] ? 1 : 0;
            }
            return ok / (double) x.length;
        }

        void forward(float[] x, float[] h) {
            System.arraycopy(b1, 0, h, 0, hidden);
            for (int i = 0; i < inputs; i++) {
                float v = x[i];
                if (v != 0f) {
                    int row = i * hidden;
                    for (int j = 0; j < hidden; j++) {
                        h[j] += v * w1[row + j];
                    }
                }
            }
            for (int j = 0; j < hidden; j++) {
                h[j] = Math.max(0f, h[j]);
            }
        }

        float[] logits(float[] h) {
            float[] z = b2.clone();
            for (int j = 0; j < hidden; j++) {
                float v = h[j];
                if (v != 0f) {
                    int row = j * classes;
                    for (int c = 0; c < classes; c++) {
                        z[c] += v * w2[row + c];
                    }
                }
            }
            return z;
        }
    }

    /** Random weights (He initialisation): a valid but untrained classifier, distinct per seed. */
    public static Mlp random(int inputs, int hidden, int classes, long seed) {
        Random rnd = new Random(seed);
        return new Mlp(inputs, hidden, classes, TestModels.gaussian(rnd, inputs * hidden, Math.sqrt(2.0 / inputs)),
                new float[hidden], TestModels.gaussian(rnd, hidden * classes, Math.sqrt(2.0 / hidden)), new float[classes]);
    }

    /**
     * Trains a perceptron on {@code x} (flattened images in [0, 1]) and labels {@code y}: {@code epochs} passes of
     * minibatch SGD (32 images, learning rate 0.1) in a seeded order.
     */
    public static Mlp train(float[][] x, int[] y, int classes, int hidden, int epochs, long seed) {
        int inputs = x[0].length;
        Mlp m = random(inputs, hidden, classes, seed);
        Random rnd = new Random(seed + 1);
        int[] order = new int[x.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        float lr = 0.1f;
        int batch = 32;
        float[] gw1 = new float[m.w1.length];
        float[] gb1 = new float[hidden];
        float[] gw2 = new float[m.w2.length];
        float[] gb2 = new float[classes];
        float[] h = new float[hidden];
        float[] dh = new float[hidden];
        for (int e = 0; e < epochs; e++) {
            for (int i = order.length - 1; i > 0; i--) {
                int k = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[k];
                order[k] = t;
            }
            for (int from = 0; from < order.length; from += batch) {
                int to = Math.min(order.length, from + batch);
                java.util.Arrays.fill(gw1, 0f);
                java.util.Arrays.fill(gb1, 0f);
                java.util.Arrays.fill(gw2, 0f);
                java.util.Arrays.fill(gb2, 0f);
                for (int b = from; b < to; b++) {
                    float[] xi = x[order[b]];
                    m.forward(xi, h);
                    float[] p = softmax(m.logits(h));
                    p[y[order[b]]] -= 1f; // dz
                    java.util.Arrays.fill(dh, 0f);
                    for (int j = 0; j < hidden; j++) {
                        int row = j * classes;
                        float acc = 0f;
                        for (int c = 0; c < classes; c++) {
                            gw2[row + c] += h[j] * p[c];
                            acc += m.w2[row + c] * p[c];
                        }
                        dh[j] = h[j] > 0f ? acc : 0f;
                    }
                    for (int c = 0; c < classes; c++) {
                        gb2[c] += p[c];
                    }
                    for (int j = 0; j < hidden; j++) {
                        gb1[j] += dh[j];
                    }
                    for (int i = 0; i < inputs; i++) {
                        float v = xi[i];
                        if (v != 0f) {
                            int row = i * hidden;
                            for (int j = 0; j < hidden; j++) {
                                gw1[row + j] += v * dh[j];
                            }
                        }
                    }
                }
                float step = lr / (to - from);
                for (int i = 0; i < gw1.length; i++) {
                    m.w1[i] -= step * gw1[i];
                }
                for (int i = 0; i < gw2.length; i++) {
                    m.w2[i] -= step * gw2[i];
                }
                for (int j = 0; j < hidden; j++) {
                    m.b1[j] -= step * gb1[j];
                }
                for (int c = 0; c < classes; c++) {
                    m.b2[c] -= step * gb2[c];
                }
            }
        }
        return m;
    }

    /** {@code model.onnx}: input {@code x [N, H*W]}, outputs {@code probabilities [N, C]} and {@code features [N, hidden]}. */
    public static OnnxGraph model(Mlp m, int height, int width) {
        OnnxGraph g = OnnxGraph.create("test-digit-mlp");
        String x = g.input(DigitClassifierSpec.INPUT, m.inputs());
        String h = hidden(g, m, x);
        String z = g.gemm(h, g.weights("W2", m.w2(), m.hidden(), m.classes()), g.weights("b2", m.b2(), m.classes()));
        g.output(g.softmax(z, 1), DigitClassifierSpec.OUTPUT, -1, m.classes());
        g.output(h, DigitClassifierSpec.FEATURES, -1, m.hidden());
        metadata(g, m, height, width);
        return g;
    }

    /**
     * {@code gradient.onnx}: inputs {@code x} and one-hot {@code labels}; outputs {@code probabilities}, the per-example
     * cross-entropy {@code loss [N]} and its input gradient {@code gradient [N, H*W]}.
     */
    public static OnnxGraph gradient(Mlp m, int height, int width) {
        OnnxGraph g = OnnxGraph.create("test-digit-mlp-gradient");
        String x = g.input(DigitClassifierSpec.INPUT, m.inputs());
        String labels = g.input(DigitClassifierSpec.LABELS, m.classes());
        String h = hidden(g, m, x);
        String z = g.gemm(h, g.weights("W2", m.w2(), m.hidden(), m.classes()), g.weights("b2", m.b2(), m.classes()));
        String p = g.softmax(z, 1);
        String logp = g.node("LogSoftmax", List.of(z), Map.of("axis", 1L));
        String loss = g.neg(g.reduceSum(g.mul(labels, logp), false, 1));
        String dz = g.sub(p, labels);
        String dh = g.mul(g.matMul(dz, g.weights("W2T", transpose(m.w2(), m.hidden(), m.classes()), m.classes(), m.hidden())),
                g.node("Sign", List.of(h), Map.of()));
        String dx = g.matMul(dh, g.weights("W1T", transpose(m.w1(), m.inputs(), m.hidden()), m.hidden(), m.inputs()));
        g.output(p, DigitClassifierSpec.OUTPUT, -1, m.classes());
        g.output(loss, DigitClassifierSpec.LOSS, -1);
        g.output(dx, DigitClassifierSpec.GRADIENT, -1, m.inputs());
        metadata(g, m, height, width);
        return g;
    }

    /**
     * Publishes {@code m} as a new version of {@code name} in the test registry, with {@code gradient.onnx} when
     * {@code withGradient} (without it the version can only be attacked as a black box).
     */
    public static ModelPublished publish(String name, Mlp m, int height, int width, String alias, boolean withGradient) {
        return put(TestRegistry.publisher(), true, name, m, height, width, alias, withGradient);
    }

    /**
     * Stores {@code m} as a new version of {@code name} in {@code store} and returns its announcement without
     * publishing it (tests that fold it into a {@code RegistryState} themselves, without a broker).
     */
    public static ModelPublished store(ModelStore store, String name, Mlp m, int height, int width, String alias,
                                       boolean withGradient) {
        return put(new ModelPublisher(store, null), false, name, m, height, width, alias, withGradient);
    }

    private static ModelPublished put(ModelPublisher publisher, boolean announce, String name, Mlp m, int height, int width,
                                      String alias, boolean withGradient) {
        try (TempDir tmp = TempDir.create("digit-model-")) {
            Path model = model(m, height, width).write(tmp.resolve("model.onnx"));
            List<ModelStore.Artifact> extra = withGradient
                    ? List.of(new ModelStore.Artifact(DigitClassifierSpec.GRADIENT_ARTIFACT,
                            gradient(m, height, width).write(tmp.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT))))
                    : List.of();
            ModelPublisher.Request request = new ModelPublisher.Request(name, model, extra, Map.of("test", 1.0),
                    new Lineage(null, "test", "generated", null, "test", 0L),
                    DigitClassifierSpec.properties(height, width, classNames(m.classes()), "test"), alias);
            return announce ? publisher.publish(request) : publisher.store(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A fused ensemble of perceptrons ({@link EnsembleFusion}, {@link DigitEnsembleSpec}): {@code model.onnx}
     * ({@code members} and their mean) and {@code gradient.onnx}, members named {@code m0, m1, ...}, with the detector
     * threshold {@code threshold} in their metadata when it is not null.
     */
    public static byte[][] ensemble(List<Mlp> members, int height, int width, Double threshold) {
        List<EnsembleFusion.Member> fused = new java.util.ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            fused.add(new EnsembleFusion.Member("m" + i, model(members.get(i), height, width).toBytes(),
                    gradient(members.get(i), height, width).toBytes()));
        }
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put(DigitEnsembleSpec.META_MODE, "test");
        if (threshold != null) {
            meta.put(DigitEnsembleSpec.META_THRESHOLD, Double.toString(threshold));
            meta.put(DigitEnsembleSpec.META_FPR, "0.05");
            meta.put(DigitEnsembleSpec.META_SCORE, DigitEnsembleSpec.SCORE);
        }
        return new byte[][] {EnsembleFusion.model(fused, meta), EnsembleFusion.gradient(fused, meta)};
    }

    /** Every member's probabilities computed in Java, {@code [N][M][C]} (the reference the fused graph is checked against). */
    public static float[][][] memberProbabilities(List<Mlp> members, float[][] x) {
        float[][][] out = new float[x.length][members.size()][];
        for (int k = 0; k < members.size(); k++) {
            float[][] p = members.get(k).probabilities(x);
            for (int i = 0; i < x.length; i++) {
                out[i][k] = p[i];
            }
        }
        return out;
    }

    /** Publishes a fused ensemble of {@code members} as a new version of {@code name} in the test registry. */
    public static ModelPublished publishEnsemble(String name, List<Mlp> members, int height, int width, String alias,
                                                 Double threshold) {
        return putEnsemble(TestRegistry.publisher(), true, name, members, height, width, alias, threshold);
    }

    /** Stores a fused ensemble as a new version of {@code name} in {@code store}, without announcing it. */
    public static ModelPublished storeEnsemble(ModelStore store, String name, List<Mlp> members, int height, int width,
                                               String alias, Double threshold) {
        return putEnsemble(new ModelPublisher(store, null), false, name, members, height, width, alias, threshold);
    }

    private static ModelPublished putEnsemble(ModelPublisher publisher, boolean announce, String name, List<Mlp> members,
                                              int height, int width, String alias, Double threshold) {
        byte[][] graphs = ensemble(members, height, width, threshold);
        try (TempDir tmp = TempDir.create("digit-ensemble-")) {
            Path model = java.nio.file.Files.write(tmp.resolve("model.onnx"), graphs[0]);
            Path gradient = java.nio.file.Files.write(tmp.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), graphs[1]);
            Map<String, String> props = new java.util.LinkedHashMap<>(DigitClassifierSpec.properties(height, width,
                    classNames(members.get(0).classes()), "test"));
            props.put(DigitEnsembleSpec.META_MEMBERS, Integer.toString(members.size()));
            if (threshold != null) {
                props.put(DigitEnsembleSpec.META_THRESHOLD, Double.toString(threshold));
            }
            ModelPublisher.Request request = new ModelPublisher.Request(name, model,
                    List.of(new ModelStore.Artifact(DigitClassifierSpec.GRADIENT_ARTIFACT, gradient)), Map.of("test", 1.0),
                    new Lineage(null, "test", "generated", null, "test", 0L), props, alias);
            return announce ? publisher.publish(request) : publisher.store(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hidden(OnnxGraph g, Mlp m, String x) {
        return g.relu(g.gemm(x, g.weights("W1", m.w1(), m.inputs(), m.hidden()), g.weights("b1", m.b1(), m.hidden())));
    }

    private static void metadata(OnnxGraph g, Mlp m, int height, int width) {
        if (height * width != m.inputs()) {
            throw new IllegalArgumentException(height + "x" + width + " images do not have " + m.inputs() + " pixels");
        }
        g.metadata(DigitClassifierSpec.META_HEIGHT, Integer.toString(height));
        g.metadata(DigitClassifierSpec.META_WIDTH, Integer.toString(width));
        g.metadata(DigitClassifierSpec.META_CLASSES, String.join(",", classNames(m.classes())));
        g.metadata(DigitClassifierSpec.META_DATASET, "test");
    }

    private static List<String> classNames(int classes) {
        return java.util.stream.IntStream.range(0, classes).mapToObj(Integer::toString).toList();
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    static float[] softmax(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= (float) sum;
        }
        return p;
    }
}
