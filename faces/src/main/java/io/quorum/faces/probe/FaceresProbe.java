package io.quorum.faces.probe;

import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.detect.Face;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.Images;
import io.quorum.faces.model.FaceresEmbedder;
import io.quorum.shared.data.ImageScoreList;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The frozen-feature probe: faceres 1024-d descriptors of MEBeauty images, ridge regression fitted on the train split
 * (lambda by 5-fold cross-validation on train), PLCC/SRCC/MAE/RMSE on the val split. Three feature variants: the
 * authors' crops; the crops averaged with their mirror image; and the uncropped photos run through BlazeFace and
 * {@link FaceAligner} (largest face; a photo without a face is counted and predicted as the train mean). Descriptors
 * are cached per variant under the cache directory. Prints one JSON object.
 *
 * <p>Usage: {@code FaceresProbe <mebeauty dir> <cache dir> [threads]}.
 */
public final class FaceresProbe {

    public static final double[] LAMBDAS = {1, 10, 30, 100, 300, 1000, 3000, 10000};

    private FaceresProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        Path cache = Path.of(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Files.createDirectories(cache);
        var train = ImageScoreList.read(base.resolve("scores/train_2022.txt"), base);
        var val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base);
        List<ImageScoreList.ImageScore> all = new ArrayList<>(train.entries());
        all.addAll(val.entries());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("train", train.entries().size());
        report.put("val", val.entries().size());
        report.put("missing_listed", train.missing() + val.missing());
        ImageDecoder decoder = new ImageDecoder();
        try (FaceresEmbedder embedder = FaceresEmbedder.open(threads);
             BlazeFaceDetector detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), threads)) {
            FaceAligner aligner = new FaceAligner(FaceAligner.Geometry.mebeauty());
            Map<String, float[]> crops = features(cache.resolve("faceres-crops.bin"), all, p -> List.of(decoder.decode(Files.readAllBytes(p))), embedder);
            Map<String, float[]> flips = features(cache.resolve("faceres-crops-flip.bin"), all,
                    p -> List.of(Images.flipHorizontal(decoder.decode(Files.readAllBytes(p)))), embedder);
            Map<String, float[]> raw = features(cache.resolve("faceres-raw-aligned.bin"), all, p -> {
                Path photo = base.resolve("original_images").resolve(base.resolve("cropped_images/images_crop_align_mtcnn").relativize(p));
                if (!Files.exists(photo)) {
                    return List.of();
                }
                BufferedImage img = decoder.decode(Files.readAllBytes(photo));
                List<Face> faces = detector.detect(img);
                if (faces.isEmpty()) {
                    return List.of();
                }
                Face largest = faces.stream().max(java.util.Comparator.comparingDouble(Face::area)).orElseThrow();
                return List.of(aligner.align(img, largest).image());
            }, embedder);
            report.put("crops", evaluate(train.entries(), val.entries(), crops, null));
            report.put("crops_flip_averaged", evaluate(train.entries(), val.entries(), crops, flips));
            report.put("raw_aligned_trained_on_crops", evaluateCross(train.entries(), val.entries(), crops, raw));
            report.put("raw_aligned", evaluate(train.entries(), val.entries(), raw, null));
            long photos = all.stream().filter(e -> raw.containsKey(e.image().toString())).count();
            report.put("raw_photos_with_a_face", photos);
            report.put("raw_photos_total", all.size());
            report.put("raw_detection_rate", photos / (double) all.size());
        }
        System.out.println(io.quorum.shared.json.Json.toPrettyString(report));
    }

    public interface Crops {
        List<BufferedImage> of(Path image) throws Exception;
    }

    /** Descriptors per image path (absent = no crop), from the cache file when it covers every image. */
    public static Map<String, float[]> features(Path file, List<ImageScoreList.ImageScore> images, Crops crops, FaceresEmbedder e) throws Exception {
        Map<String, float[]> out = new HashMap<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        if (Files.exists(file)) {
            try (var in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    String key = in.readUTF();
                    done.add(key);
                    int len = in.readInt();
                    if (len > 0) {
                        float[] v = new float[len];
                        for (int j = 0; j < len; j++) {
                            v[j] = in.readFloat();
                        }
                        out.put(key, v);
                    }
                }
            }
            if (images.stream().allMatch(im -> done.contains(im.image().toString()))) {
                System.err.printf(Locale.ROOT, "[probe] %s: %d cached%n", file.getFileName(), done.size());
                return out;
            }
        }
        long t0 = System.nanoTime();
        int k = 0;
        for (var im : images) {
            String key = im.image().toString();
            if (done.add(key)) {
                List<BufferedImage> c;
                try {
                    c = crops.of(im.image());
                } catch (ImageRejectedException ex) {
                    System.err.println("[probe] " + key + ": " + ex.getMessage());
                    c = List.of();
                }
                if (!c.isEmpty()) {
                    out.put(key, e.descriptors(c)[0]);
                }
            }
            if (++k % 200 == 0) {
                System.err.printf(Locale.ROOT, "[probe] %s: %d/%d (%.1f s)%n", file.getFileName(), k, images.size(), (System.nanoTime() - t0) / 1e9);
            }
        }
        try (var o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            o.writeInt(done.size());
            for (String key : done) {
                o.writeUTF(key);
                float[] v = out.get(key);
                o.writeInt(v == null ? 0 : v.length);
                if (v != null) {
                    for (float f : v) {
                        o.writeFloat(f);
                    }
                }
            }
        }
        return out;
    }

    private static Map<String, Object> evaluate(List<ImageScoreList.ImageScore> train, List<ImageScoreList.ImageScore> val,
                                                Map<String, float[]> f, Map<String, float[]> flip) {
        return evaluateCross(train, val, flip == null ? f : average(f, flip), flip == null ? f : average(f, flip));
    }

    /** Fits on {@code trainF} of the train images that have features, predicts val from {@code valF}. */
    private static Map<String, Object> evaluateCross(List<ImageScoreList.ImageScore> train, List<ImageScoreList.ImageScore> val,
                                                     Map<String, float[]> trainF, Map<String, float[]> valF) {
        List<float[]> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (var e : train) {
            float[] v = trainF.get(e.image().toString());
            if (v != null) {
                x.add(v);
                y.add(e.score());
            }
        }
        float[][] xa = x.toArray(new float[0][]);
        double[] ya = y.stream().mapToDouble(Double::doubleValue).toArray();
        long t0 = System.nanoTime();
        double lambda = Ridge.chooseLambda(xa, ya, LAMBDAS, 5);
        Ridge r = Ridge.fit(xa, ya, lambda);
        double mean = java.util.Arrays.stream(ya).average().orElseThrow();
        double[] pred = new double[val.size()];
        double[] target = new double[val.size()];
        int noFace = 0;
        for (int i = 0; i < val.size(); i++) {
            float[] v = valF.get(val.get(i).image().toString());
            target[i] = val.get(i).score();
            if (v == null) {
                noFace++;
                pred[i] = mean;
            } else {
                pred[i] = r.predict(v);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lambda", lambda);
        m.put("train_n", xa.length);
        m.put("val", RegressionMetrics.of(pred, target));
        m.put("val_without_features", noFace);
        m.put("fit_seconds", (System.nanoTime() - t0) / 1e9);
        return m;
    }

    private static Map<String, float[]> average(Map<String, float[]> a, Map<String, float[]> b) {
        Map<String, float[]> out = new HashMap<>();
        for (var e : a.entrySet()) {
            float[] o = b.get(e.getKey());
            if (o == null) {
                continue;
            }
            float[] v = new float[o.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (e.getValue()[i] + o[i]) / 2;
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

}
