package io.quorum.faces.scorer;

import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.faces.probe.Ridge;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.shared.model.ImageScorerSpec;
import java.util.Map;

/**
 * Builds an {@code image-scorer} model ({@link ImageScorerSpec}): the converted faceres graph embedded as it is
 * (input {@code image} {@code [N,224,224,3]} NHWC RGB 0..255, output {@code descriptor} {@code [N,1024]}) followed by
 * a linear head, {@code score = descriptor . w + b} as one Gemm, so the service runs one graph per batch.
 */
public final class ImageScorerModel {

    /** The committed head of a default model: {@code {"weights": [...], "bias": b, ...}}. */
    public static final String HEAD_FILE = "head.json";

    private ImageScorerModel() {
    }

    /** Reads a head written by {@link BuildImageScorer}. */
    public static Ridge.Linear readHead(java.nio.file.Path file) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode n = io.quorum.shared.json.Json.mapper().readTree(file.toFile());
        com.fasterxml.jackson.databind.JsonNode w = n.path("weights");
        if (!w.isArray() || w.isEmpty() || !n.path("bias").isNumber()) {
            throw new java.io.IOException(file + ": a head has a 'weights' array and a numeric 'bias'");
        }
        double[] weights = new double[w.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = w.get(i).asDouble();
        }
        return new Ridge.Linear(weights, n.path("bias").asDouble());
    }

    /** The default model from a committed head: faceres (bundled in this jar) + the head, with the given metadata. */
    public static byte[] fromHead(java.nio.file.Path headFile, Map<String, String> metadata) throws java.io.IOException {
        return fuse(FaceModels.bytes(FaceModel.FACERES), readHead(headFile), metadata).toBytes();
    }

    /**
     * Fuses {@code faceres} (the bundled ONNX bytes) with a ridge head folded to raw descriptor space.
     *
     * @param metadata extra ONNX metadata (data set, lambda, ...); the spec's size and alignment keys are set here
     */
    public static OnnxGraph fuse(byte[] faceres, Ridge.Linear head, Map<String, String> metadata) {
        int d = head.weights().length;
        OnnxGraph g = OnnxGraph.create(ImageScorerSpec.MODEL_NAME);
        int size = ImageScorerSpec.DEFAULT_SIZE;
        String x = g.input(ImageScorerSpec.INPUT, size, size, 3);
        OnnxGraph.Embedded backbone = g.embed(faceres, "faceres/", Map.of(FaceModel.FACERES.onnxInput(), x));
        String descriptor = backbone.output("descriptor");
        float[] w = new float[d];
        for (int j = 0; j < d; j++) {
            w[j] = (float) head.weights()[j];
        }
        String wv = g.weights("head/w", w, d, 1);
        String bv = g.weights("head/b", new float[] {(float) head.bias()}, 1);
        String score = g.gemm(descriptor, wv, bv);
        g.output(score, ImageScorerSpec.OUTPUT, -1, 1);
        g.metadata(ImageScorerSpec.META_SIZE, Integer.toString(size));
        g.metadata(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY);
        g.metadata(ImageScorerSpec.META_BACKBONE, "faceres frozen + ridge");
        backbone.metadata().forEach((k, v) -> {
            if (k.startsWith("quorum.source") || k.equals("quorum.licence") || k.equals("quorum.upstream")) {
                g.metadata("quorum.backbone." + k.substring("quorum.".length()), v);
            }
        });
        metadata.forEach(g::metadata);
        return g;
    }
}
