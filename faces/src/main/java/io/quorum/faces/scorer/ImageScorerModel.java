package io.quorum.faces.scorer;

import io.quorum.faces.probe.Ridge;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.shared.model.ImageScorerSpec;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@code image-scorer} model ({@link ImageScorerSpec}): frozen {@link Backbone}s embedded on the scorer's
 * input (aligned crops {@code [N,224,224,3]} NHWC RGB 0..255), optionally on the crop and its mirror with their
 * features averaged, then a linear head, {@code score = features . w + b} as one Gemm, so the service runs one graph
 * per batch and its contract does not depend on what is inside.
 */
public final class ImageScorerModel {

    /** The committed head of a default model: {@code {"weights": [...], "bias": b, ...}}. */
    public static final String HEAD_FILE = "head.json";

    private ImageScorerModel() {
    }

    /**
     * A committed head: the ridge folded to raw features ({@code weights . features + bias}), the backbones whose
     * features it reads (concatenated in this order) and whether each crop's features are averaged with its mirror's.
     * A head written before these fields existed is faceres alone, without the mirror.
     */
    public record Head(Ridge.Linear linear, List<Backbone> backbones, boolean mirror) {
        public Head {
            backbones = List.copyOf(backbones);
            int d = backbones.stream().mapToInt(Backbone::dim).sum();
            if (linear.weights().length != d) {
                throw new IllegalArgumentException("the head has " + linear.weights().length + " weights but "
                        + backbones + " give " + d + " features");
            }
        }

        /** The head's description for the model's {@code quorum.backbone} metadata. */
        public String describe() {
            return String.join(" + ", backbones.stream().map(Backbone::id).toList()) + " frozen"
                    + (mirror ? ", features of the crop and its mirror averaged" : "") + " + ridge";
        }
    }

    /** Reads the linear part of a head written by {@link BuildImageScorer} (its backbones not checked). */
    public static Ridge.Linear readHead(java.nio.file.Path file) throws java.io.IOException {
        return linear(io.quorum.shared.json.Json.mapper().readTree(file.toFile()), file);
    }

    private static Ridge.Linear linear(com.fasterxml.jackson.databind.JsonNode n, java.nio.file.Path file) throws java.io.IOException {
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

    /**
     * Reads a head written by {@link BuildImageScorer}, its backbones and mirror flag included (absent: faceres, no
     * mirror); refuses a head whose weights do not match its backbones' features or that names an unknown backbone.
     */
    public static Head readFullHead(java.nio.file.Path file) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode n = io.quorum.shared.json.Json.mapper().readTree(file.toFile());
        Ridge.Linear linear = linear(n, file);
        try {
            List<Backbone> backbones = new java.util.ArrayList<>();
            if (n.has("backbones")) {
                for (com.fasterxml.jackson.databind.JsonNode b : n.path("backbones")) {
                    backbones.add(Backbone.byId(b.asText()));
                }
            } else {
                backbones.add(Backbone.FACERES);
            }
            return new Head(linear, backbones, n.path("mirror").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new java.io.IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** The default model from a committed head: its backbones (bundled in this jar) + the head, with the given metadata. */
    public static byte[] fromHead(java.nio.file.Path headFile, Map<String, String> metadata) throws java.io.IOException {
        return fuse(readFullHead(headFile), metadata).toBytes();
    }

    /**
     * Fuses the head's backbones (embedded once each, on the scorer's input or on {@code [x; mirror(x)]}) with its
     * linear map as one Gemm: input {@code image} {@code [N,224,224,3]} RGB 0..255, output {@code score [N,1]}.
     *
     * @param metadata extra ONNX metadata (data set, lambda, ...); the spec's size and alignment keys are set here
     */
    public static OnnxGraph fuse(Head head, Map<String, String> metadata) {
        OnnxGraph g = OnnxGraph.create(ImageScorerSpec.MODEL_NAME);
        int size = ImageScorerSpec.DEFAULT_SIZE;
        String x = g.input(ImageScorerSpec.INPUT, size, size, 3);
        Backbone.Features f = Backbone.features(g, x, head.backbones(), head.mirror());
        int d = head.linear().weights().length;
        float[] w = new float[d];
        for (int j = 0; j < d; j++) {
            w[j] = (float) head.linear().weights()[j];
        }
        String wv = g.weights("head/w", w, d, 1);
        String bv = g.weights("head/b", new float[] {(float) head.linear().bias()}, 1);
        String score = g.gemm(f.value(), wv, bv);
        g.output(score, ImageScorerSpec.OUTPUT, -1, 1);
        g.metadata(ImageScorerSpec.META_SIZE, Integer.toString(size));
        g.metadata(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY);
        g.metadata(ImageScorerSpec.META_BACKBONE, head.describe());
        f.metadata().forEach(g::metadata);
        metadata.forEach(g::metadata);
        return g;
    }

    /**
     * The earlier form, kept for its callers: {@code faceres} (ONNX bytes, e.g. the bundled graph) + a head on its
     * 1024-d descriptor, no mirror; the same graph {@link #fuse(Head, Map)} builds for a faceres-only head.
     */
    public static OnnxGraph fuse(byte[] faceres, Ridge.Linear head, Map<String, String> metadata) {
        int d = head.weights().length;
        OnnxGraph g = OnnxGraph.create(ImageScorerSpec.MODEL_NAME);
        int size = ImageScorerSpec.DEFAULT_SIZE;
        String x = g.input(ImageScorerSpec.INPUT, size, size, 3);
        OnnxGraph.Embedded backbone = g.embed(faceres, Backbone.FACERES.id() + "/",
                Map.of(io.quorum.faces.model.FaceModel.FACERES.onnxInput(), x));
        float[] w = new float[d];
        for (int j = 0; j < d; j++) {
            w[j] = (float) head.weights()[j];
        }
        String score = g.gemm(backbone.output("descriptor"), g.weights("head/w", w, d, 1),
                g.weights("head/b", new float[] {(float) head.bias()}, 1));
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
