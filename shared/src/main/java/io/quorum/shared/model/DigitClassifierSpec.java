package io.quorum.shared.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.OnnxSession;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The serving contract of image classifiers (the digits models, MNIST and Fashion-MNIST), shared by the trainer that
 * exports them, the adversarial service that attacks them and every service or tool that scores them.
 *
 * <ul>
 *   <li>{@code model.onnx}: input {@value #INPUT} float32 {@code [N, H*W]} (a grayscale image flattened row-major,
 *       intensities in [0, 1], 0 = background), output {@value #OUTPUT} float32 {@code [N, C]} (softmax); optionally
 *       {@value #FEATURES} float32 {@code [N, F]}, the last hidden layer (for t-SNE pictures).</li>
 *   <li>{@value #GRADIENT_ARTIFACT}: the exact input gradient of the deployed network: inputs {@value #INPUT} and
 *       {@value #LABELS} (one-hot float32 {@code [N, C]}), outputs {@value #OUTPUT}, {@value #LOSS} ({@code [N]},
 *       cross-entropy per example) and {@value #GRADIENT} ({@code [N, H*W]}, d loss_i / d x_i). White-box attacks need
 *       it; a model without it can only be attacked as a black box.</li>
 *   <li>metadata: {@value #META_HEIGHT} and {@value #META_WIDTH} (28 and 28 by default), {@value #META_CLASSES}
 *       (the class names, comma-separated, in output order).</li>
 * </ul>
 */
public final class DigitClassifierSpec {

    public static final String MODEL_NAME = "digit-classifier";
    public static final String INPUT = "x";
    public static final String OUTPUT = "probabilities";
    public static final String FEATURES = "features";
    public static final String LABELS = "labels";
    public static final String LOSS = "loss";
    public static final String GRADIENT = "gradient";
    /** The artifact holding the input-gradient graph. */
    public static final String GRADIENT_ARTIFACT = "gradient.onnx";
    public static final String META_HEIGHT = "quorum.image.height";
    public static final String META_WIDTH = "quorum.image.width";
    public static final String META_CLASSES = "quorum.classes";
    /** The data set a model was trained on ({@code mnist}, {@code fashion-mnist}). */
    public static final String META_DATASET = "quorum.dataset";
    public static final int DEFAULT_SIDE = 28;

    /** What one gradient call returns: probabilities {@code [N][C]}, loss {@code [N]}, gradient {@code [N][H*W]}. */
    public record Gradients(float[][] probabilities, float[] loss, float[][] gradient) {
    }

    private DigitClassifierSpec() {
    }

    /** Pixels per image the model takes. */
    public static int inputSize(ModelSignature signature) {
        return (int) signature.input(INPUT).orElseThrow().dim(1);
    }

    /** Classes the model tells apart. */
    public static int classes(ModelSignature signature) {
        return (int) signature.output(OUTPUT).orElseThrow().dim(1);
    }

    /** The image height and width from the metadata (28x28 when absent). */
    public static int[] shape(Map<String, String> metadata) {
        return new int[] {Integer.parseInt(metadata.getOrDefault(META_HEIGHT, Integer.toString(DEFAULT_SIDE))),
                Integer.parseInt(metadata.getOrDefault(META_WIDTH, Integer.toString(DEFAULT_SIDE)))};
    }

    /** The class names from the metadata ({@code 0..C-1} when absent). */
    public static List<String> classNames(Map<String, String> metadata, int classes) {
        String names = metadata.get(META_CLASSES);
        if (names == null || names.isBlank()) {
            return java.util.stream.IntStream.range(0, classes).mapToObj(Integer::toString).toList();
        }
        return List.of(names.split(","));
    }

    /** The class probabilities of each image ({@code images[i]} flattened, [0, 1]). */
    public static float[][] probabilities(OnnxSession session, float[][] images) throws OrtException {
        if (images.length == 0) {
            return new float[0][];
        }
        return session.runFloat(Map.of(INPUT, FloatTensor.matrix(images)), OUTPUT).rows();
    }

    /** The last hidden layer of each image, when the model exports it ({@link #hasFeatures}). */
    public static float[][] features(OnnxSession session, float[][] images) throws OrtException {
        return session.runFloat(Map.of(INPUT, FloatTensor.matrix(images)), FEATURES).rows();
    }

    public static boolean hasFeatures(ModelSignature signature) {
        return signature.output(FEATURES).isPresent();
    }

    /** Probabilities, per-example loss and input gradient from a gradient graph, for the true {@code labels}. */
    public static Gradients gradients(OnnxSession gradient, float[][] images, int[] labels, int classes) throws OrtException {
        int n = images.length;
        float[] oneHot = new float[n * classes];
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " is not one of the " + classes + " classes");
            }
            oneHot[i * classes + labels[i]] = 1f;
        }
        Map<String, io.quorum.shared.inference.Tensor> out = gradient.run(Map.of(INPUT, FloatTensor.matrix(images),
                LABELS, FloatTensor.of(oneHot, n, classes)), OUTPUT, LOSS, GRADIENT);
        return new Gradients(((FloatTensor) out.get(OUTPUT)).rows(), ((FloatTensor) out.get(LOSS)).data(),
                ((FloatTensor) out.get(GRADIENT)).rows());
    }

    /** The checks a service runs before a version of a classifier may serve. */
    public static void check(OnnxSession session, ModelPublished meta) throws ModelRejectedException {
        ModelSignature s = session.signature();
        TensorSpec in = s.input(INPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no input named '" + INPUT + "': " + s.inputs()));
        if (!in.type().equals("float32") || in.rank() != 2 || in.dim(1) <= 0) {
            throw new ModelRejectedException("contract", "input " + in + " must be float32 [N, H*W]");
        }
        int[] shape;
        try {
            shape = shape(session.metadata());
        } catch (NumberFormatException e) {
            throw new ModelRejectedException("contract", "image height/width metadata is not a number: " + e.getMessage());
        }
        if ((long) shape[0] * shape[1] != in.dim(1)) {
            throw new ModelRejectedException("contract", "input " + in + " does not hold a " + shape[0] + "x" + shape[1] + " image");
        }
        TensorSpec out = s.output(OUTPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no output named '" + OUTPUT + "': " + s.outputs()));
        if (!out.type().equals("float32") || out.rank() != 2 || out.dim(1) < 2) {
            throw new ModelRejectedException("contract", "output " + out + " must be float32 [N, C] with C >= 2 classes");
        }
        smoke(session, (int) in.dim(1), (int) out.dim(1));
    }

    /** The checks of a gradient graph against its model's input size and classes. */
    public static void checkGradient(OnnxSession gradient, int inputSize, int classes) throws ModelRejectedException {
        ModelSignature s = gradient.signature();
        for (String name : List.of(INPUT, LABELS)) {
            if (s.input(name).isEmpty()) {
                throw new ModelRejectedException("contract", GRADIENT_ARTIFACT + " has no input '" + name + "': " + s.inputs());
            }
        }
        for (String name : List.of(OUTPUT, LOSS, GRADIENT)) {
            if (s.output(name).isEmpty()) {
                throw new ModelRejectedException("contract", GRADIENT_ARTIFACT + " has no output '" + name + "': " + s.outputs());
            }
        }
        if (s.input(INPUT).get().dim(1) != inputSize || s.input(LABELS).get().dim(1) != classes) {
            throw new ModelRejectedException("contract", GRADIENT_ARTIFACT + " takes " + s.inputs()
                    + ", the model " + inputSize + " pixels and " + classes + " classes");
        }
        try {
            float[][] x = new float[2][inputSize];
            Gradients g = gradients(gradient, x, new int[] {0, classes - 1}, classes);
            if (g.gradient().length != 2 || g.gradient()[0].length != inputSize) {
                throw new ModelRejectedException("smoke", GRADIENT_ARTIFACT + " returned a gradient of the wrong shape");
            }
        } catch (OrtException | RuntimeException e) {
            throw new ModelRejectedException("smoke", GRADIENT_ARTIFACT + " smoke inference failed: " + e.getMessage(), e);
        }
    }

    private static void smoke(OnnxSession session, int inputSize, int classes) throws ModelRejectedException {
        Random rnd = new Random(17);
        float[][] x = new float[3][inputSize];
        for (float[] row : x) {
            for (int j = 0; j < inputSize; j++) {
                row[j] = rnd.nextFloat();
            }
        }
        float[][] p;
        try {
            p = probabilities(session, x);
        } catch (OrtException | RuntimeException e) {
            throw new ModelRejectedException("smoke", "smoke inference failed: " + e.getMessage(), e);
        }
        for (float[] row : p) {
            double sum = 0;
            for (float v : row) {
                if (!(v >= 0f && v <= 1f)) {
                    throw new ModelRejectedException("smoke", "smoke inference returned " + v + ", not a probability");
                }
                sum += v;
            }
            if (Math.abs(sum - 1) > 1e-3 || row.length != classes) {
                throw new ModelRejectedException("smoke", "smoke inference does not return a distribution over " + classes
                        + " classes (sum " + sum + ")");
            }
        }
    }

    /** Properties a classifier is published with, for the card and the gate. */
    public static Map<String, String> properties(int height, int width, List<String> classNames, String dataset) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(META_HEIGHT, Integer.toString(height));
        p.put(META_WIDTH, Integer.toString(width));
        p.put(META_CLASSES, String.join(",", classNames));
        p.put(META_DATASET, dataset);
        return p;
    }
}
