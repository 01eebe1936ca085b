package io.quorum.faces.probe;

import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.model.FaceresEmbedder;
import io.quorum.faces.scorer.Backbone;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.onnx.OnnxGraph;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A backbone's features of MEBeauty crops, on the crop and on its mirror, computed by the very ONNX subgraph the fused
 * scorer embeds ({@link Backbone#features(OnnxGraph, String, List, boolean)} without averaging: the batch
 * {@code [x; flip(x)]}), and cached per backbone under a cache directory ({@code sel-<id>.bin}: per image key,
 * {@code 2 * dim} floats, the crop's features then the mirror's).
 */
public final class BackboneFeatures {

    private static final int BATCH = 8;

    private BackboneFeatures() {
    }

    /** The plain and mirrored features of each image ({@code float[2 * dim]}), from the cache when complete. */
    public static Map<String, float[]> load(Path cache, Backbone b, List<ImageScoreList.ImageScore> images, int threads) throws Exception {
        Path file = cache.resolve("sel-" + b.id() + ".bin");
        Map<String, float[]> out = read(file);
        if (images.stream().allMatch(im -> out.containsKey(im.image().toString()))) {
            System.err.printf(Locale.ROOT, "[features] %s: %d cached%n", b.id(), out.size());
            return out;
        }
        OnnxGraph g = OnnxGraph.create("features-" + b.id());
        int size = ImageScorerSpec.DEFAULT_SIZE;
        String x = g.input(ImageScorerSpec.INPUT, size, size, 3);
        String both = g.concat(0, x, Backbone.mirrored(g, x));
        g.output(b.features(g, both).value(), "features", -1, b.dim());
        ImageDecoder decoder = new ImageDecoder();
        long t0 = System.nanoTime();
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(threads))) {
            List<ImageScoreList.ImageScore> todo = images.stream().filter(im -> !out.containsKey(im.image().toString())).toList();
            for (int from = 0; from < todo.size(); from += BATCH) {
                List<ImageScoreList.ImageScore> part = todo.subList(from, Math.min(todo.size(), from + BATCH));
                List<BufferedImage> crops = new ArrayList<>();
                for (var im : part) {
                    crops.add(decoder.decode(Files.readAllBytes(im.image())));
                }
                FloatTensor in = FaceresEmbedder.input(crops);
                float[][] rows = s.runFloat(Map.of(ImageScorerSpec.INPUT, in), "features").rows();
                int n = part.size();
                for (int i = 0; i < n; i++) {
                    float[] v = new float[2 * b.dim()];
                    System.arraycopy(rows[i], 0, v, 0, b.dim());
                    System.arraycopy(rows[n + i], 0, v, b.dim(), b.dim());
                    out.put(part.get(i).image().toString(), v);
                }
                if ((from / BATCH) % 25 == 0) {
                    System.err.printf(Locale.ROOT, "[features] %s: %d/%d (%.1f s)%n", b.id(), from + n, todo.size(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        write(file, out);
        return out;
    }

    /** The crop's features ({@code mirror} false) or the mean of crop and mirror (true), from a loaded pair. */
    public static float[] view(float[] pair, boolean mirror) {
        int d = pair.length / 2;
        float[] v = new float[d];
        for (int j = 0; j < d; j++) {
            v[j] = mirror ? (pair[j] + pair[d + j]) / 2 : pair[j];
        }
        return v;
    }

    private static Map<String, float[]> read(Path file) throws Exception {
        Map<String, float[]> out = new HashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try (var in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                float[] v = new float[in.readInt()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = in.readFloat();
                }
                out.put(key, v);
            }
        }
        return out;
    }

    private static void write(Path file, Map<String, float[]> m) throws Exception {
        try (var o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            o.writeInt(m.size());
            for (var e : m.entrySet()) {
                o.writeUTF(e.getKey());
                o.writeInt(e.getValue().length);
                for (float f : e.getValue()) {
                    o.writeFloat(f);
                }
            }
        }
    }
}
