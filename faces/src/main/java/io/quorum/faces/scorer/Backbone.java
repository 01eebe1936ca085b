package io.quorum.faces.scorer;

import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.List;
import java.util.Map;

/**
 * A frozen feature extractor of the image scorer, written into an ONNX graph on the scorer's own input (aligned crops
 * {@code [N, 224, 224, 3]} NHWC RGB 0..255), so the same subgraph serves the feature cache of the experiments and the
 * fused model: what the ridge head is fitted on is exactly what the served graph computes.
 */
public enum Backbone {

    /** faceres: the 1024-d descriptor (global average pool), the crop fed as it is. */
    FACERES("faceres", FaceModel.FACERES, 1024),

    /** faceres-deep: the same graph with other weights; its 1024-d descriptor. */
    FACERES_DEEP("faceres-deep", FaceModel.FACERES_DEEP, 1024),

    /**
     * The expression network: the crop turned grey in [-1, 1] and resized to 64x64 in the graph (TF's bilinear
     * {@code resizeBilinear} without half-pixel centres, at a scale of 3.5 a fixed linear map per axis: two MatMuls),
     * its last residual block (8x8x256) averaged over space: 256 pre-logit features.
     */
    EMOTION("emotion", FaceModel.EMOTION, 256),

    /**
     * faceres' last convolution map (7x7x1024) averaged over a 2x2 grid of overlapping 4x4 regions (stride 3) instead of
     * the whole face: 4096 features that keep where on the face a feature fired.
     */
    FACERES_GRID("faceres-grid", FaceModel.FACERES, 4096),

    /** The expression network's last block (8x8x256) averaged over a 2x2 grid of 4x4 regions: 1024 features. */
    EMOTION_GRID("emotion-grid", FaceModel.EMOTION, 1024);

    private final String id;
    private final FaceModel model;
    private final int dim;

    Backbone(String id, FaceModel model, int dim) {
        this.id = id;
        this.model = model;
        this.dim = dim;
    }

    /** The name in a head's {@code backbones} list and in cache files. */
    public String id() {
        return id;
    }

    public FaceModel model() {
        return model;
    }

    /** The number of features. */
    public int dim() {
        return dim;
    }

    public static Backbone byId(String id) {
        for (Backbone b : values()) {
            if (b.id.equals(id)) {
                return b;
            }
        }
        throw new IllegalArgumentException("no backbone '" + id + "'; known: " + java.util.Arrays.toString(values()));
    }

    /**
     * Adds this backbone to {@code g} on {@code image} ({@code [N, 224, 224, 3]} RGB 0..255) and returns its features
     * {@code [N, dim]}. The embedded model's values are prefixed {@code <id>/}, so several backbones share one graph.
     */
    public Embedding features(OnnxGraph g, String image) {
        byte[] onnx = FaceModels.bytes(model);
        String prefix = id + "/";
        return switch (this) {
            case FACERES, FACERES_DEEP -> {
                OnnxGraph.Embedded e = g.embed(onnx, prefix, Map.of(model.onnxInput(), image));
                yield new Embedding(e.output("descriptor"), e.metadata());
            }
            case EMOTION -> {
                String grey = emotionInput(g, image, prefix);
                OnnxGraph.Embedded e = g.embed(onnx, prefix, Map.of(model.onnxInput(), grey));
                yield new Embedding(g.reduceMean(e.output("block"), false, 1, 2), e.metadata());
            }
            case FACERES_GRID -> {
                OnnxGraph.Embedded e = g.embed(onnx, prefix, Map.of(model.onnxInput(), image));
                yield new Embedding(grid(g, e.output("map"), 4, 3, dim), e.metadata());
            }
            case EMOTION_GRID -> {
                String grey = emotionInput(g, image, prefix);
                OnnxGraph.Embedded e = g.embed(onnx, prefix, Map.of(model.onnxInput(), grey));
                yield new Embedding(grid(g, e.output("block"), 4, 4, dim), e.metadata());
            }
        };
    }

    /** NHWC map {@code [N, H, W, C]} averaged over {@code k x k} regions at {@code stride} -> {@code [N, dim]} (row-major cells, channels last). */
    private static String grid(OnnxGraph g, String nhwc, long k, long stride, int dim) {
        String nchw = g.transpose(nhwc, 0, 3, 1, 2);
        String pooled = g.averagePool(nchw, new long[] {k, k}, new long[] {stride, stride}, new long[] {0, 0, 0, 0}, false);
        return g.reshape(g.transpose(pooled, 0, 2, 3, 1), -1, dim);
    }

    /** A backbone's feature value and the embedded model's metadata (provenance). */
    public record Embedding(String value, Map<String, String> metadata) {
    }

    /** Side of the expression network's input. */
    static final int EMOTION_SIZE = 64;

    /** rgb2gray weights, as human's {@code emotion.ts}. */
    static final float[] GREY = {0.2989f, 0.5870f, 0.1140f};

    /**
     * {@code [N,224,224,3]} 0..255 -> {@code [N,64,64,1]}: grey {@code (sum w_c x_c / 255 - 0.5) * 2}, then TF's
     * bilinear resize (asymmetric coordinates: source = out * 224/64). Both are linear and the resize rows sum to 1,
     * so the scale is folded into the grey weights and the offset added after the resize.
     */
    static String emotionInput(OnnxGraph g, String image, String prefix) {
        int in = ImageScorerSpecSize.SIZE;
        float[] w = new float[3];
        for (int c = 0; c < 3; c++) {
            w[c] = GREY[c] * 2f / 255f;
        }
        String grey = g.matMul(image, g.weights(prefix + "in/grey", w, 3, 1));   // [N,224,224,1]
        String plane = g.reshape(grey, -1, in, in);                                   // [N,224,224]
        float[] rt = resizeMatrix(in, EMOTION_SIZE);                                  // [64,224]
        float[] rtT = new float[rt.length];
        for (int o = 0; o < EMOTION_SIZE; o++) {
            for (int i = 0; i < in; i++) {
                rtT[i * EMOTION_SIZE + o] = rt[o * in + i];
            }
        }
        String cols = g.matMul(plane, g.weights(prefix + "in/resize_t", rtT, in, EMOTION_SIZE)); // [N,224,64]
        String both = g.matMul(g.weights(prefix + "in/resize", rt, EMOTION_SIZE, in), cols);     // [N,64,64]
        String shifted = g.add(both, g.scalar(-1f));
        return g.reshape(shifted, -1, EMOTION_SIZE, EMOTION_SIZE, 1);
    }

    /**
     * TF's {@code resizeBilinear(alignCorners=false, halfPixelCenters=false)} from {@code in} to {@code out} samples
     * as a row-major {@code [out, in]} matrix: output {@code o} reads source {@code s = o * in / out}, weight
     * {@code 1 - frac} at {@code floor(s)} and {@code frac} at {@code min(floor(s) + 1, in - 1)}.
     */
    static float[] resizeMatrix(int in, int out) {
        float[] m = new float[out * in];
        double scale = in / (double) out;
        for (int o = 0; o < out; o++) {
            double s = o * scale;
            int lo = (int) Math.floor(s);
            int hi = Math.min(lo + 1, in - 1);
            double f = s - lo;
            m[o * in + lo] += (float) (1 - f);
            m[o * in + hi] += (float) f;
        }
        return m;
    }

    /**
     * The backbones' features on the crop and on its mirror, averaged ({@code mirror}) or not, concatenated in the
     * given order: {@code [N, sum dim]}. With the mirror the batch is doubled once ({@code [x; flip(x)]}) and every
     * backbone runs on it; the two halves are averaged per backbone.
     */
    public static Features features(OnnxGraph g, String image, List<Backbone> backbones, boolean mirror) {
        String x = mirror ? g.concat(0, image, mirrored(g, image)) : image;
        List<String> parts = new java.util.ArrayList<>();
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        for (Backbone b : backbones) {
            Embedding e = b.features(g, x);
            parts.add(mirror ? g.reduceMean(g.reshape(e.value(), 2, -1, b.dim), false, 0) : e.value());
            e.metadata().forEach((k, v) -> {
                if (k.startsWith("quorum.source") || k.equals("quorum.licence") || k.equals("quorum.upstream")) {
                    meta.put("quorum.backbone." + (backbones.size() == 1 ? "" : b.id + ".") + k.substring("quorum.".length()), v);
                }
            });
        }
        String all = parts.size() == 1 ? parts.get(0) : g.concat(1, parts.toArray(String[]::new));
        return new Features(all, meta);
    }

    /** Concatenated features and the backbones' provenance metadata. */
    public record Features(String value, Map<String, String> metadata) {
    }

    /** {@code [N, H, W, C]} mirrored left-right (reversed along W) by one Gather. */
    public static String mirrored(OnnxGraph g, String image) {
        int w = ImageScorerSpecSize.SIZE;
        long[] idx = new long[w];
        for (int i = 0; i < w; i++) {
            idx[i] = w - 1 - i;
        }
        return g.node("Gather", List.of(image, g.int64Vector(idx)), Map.of("axis", 2L));
    }

    /** The scorer's input side (the spec's default size). */
    private static final class ImageScorerSpecSize {
        static final int SIZE = io.quorum.shared.model.ImageScorerSpec.DEFAULT_SIZE;
    }
}
