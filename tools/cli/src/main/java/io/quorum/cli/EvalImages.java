package io.quorum.cli;

import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.Images;
import io.quorum.faces.pipeline.FaceCropper;
import io.quorum.faces.probe.RegressionMetrics;
import io.quorum.faces.scorer.ImageScorerModel;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code eval images}: an image scorer on a scores file in the data set's format ({@code path score} lines, paths
 * relative to {@code --images}), in process: decode, detect + align with {@code --raw} (the crop path's
 * {@code cropped_images/images_crop_align_mtcnn/} becomes {@code original_images/}, MEBeauty's layout), score with the
 * model, and print JSON {@code n, plcc, srcc, mae, rmse} plus the photos refused by reason. The model: {@code --model
 * NAME[:VERSION]} from the registry, {@code --model-file}, else the bundled default fused from
 * {@code models/image-scorer-default/head.json}.
 */
@Command(name = "images", description = "Score correlation of an image scorer on a scores file (JSON: n, plcc, srcc, mae, rmse).")
final class EvalImages implements Callable<Integer> {

    static final String CROPS = "cropped_images/images_crop_align_mtcnn/";
    static final String ORIGINALS = "original_images/";

    @Mixin
    Connection connection;

    @Option(names = "--scores", required = true, description = "scores file: '<relative path> <score>' lines")
    Path scores;

    @Option(names = "--images", required = true, description = "directory the scores file's paths are relative to")
    Path images;

    @Option(names = "--raw", description = "uncropped photos: detect the largest face and align it (MEBeauty: the crop "
            + "paths are mapped to original_images/)")
    boolean raw;

    @Option(names = "--model", description = "a registered scorer NAME[:VERSION] (default: the bundled default, no broker)")
    String model;

    @Option(names = "--model-file", description = "a local image-scorer model.onnx")
    Path modelFile;

    @Option(names = "--defaults", defaultValue = "models", description = "folder of bundled default models")
    Path defaults;

    @Option(names = "--runtime", defaultValue = "runtime")
    Path runtime;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads")
    int threads;

    @Option(names = "--limit", defaultValue = "0", description = "score only the first N entries (0 = all)")
    int limit;

    @Override
    public Integer call() throws Exception {
        System.out.println(Json.toPrettyString(evaluate()));
        return 0;
    }

    /** The report printed by {@link #call()}. */
    Map<String, Object> evaluate() throws Exception {
        ImageScoreList.Result list = ImageScoreList.read(scores, images);
        List<ImageScoreList.ImageScore> entries = list.entries();
        if (limit > 0 && entries.size() > limit) {
            entries = entries.subList(0, limit);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        String modelName;
        byte[] onnx;
        if (modelFile != null) {
            onnx = Files.readAllBytes(modelFile);
            modelName = modelFile.toString();
        } else if (model != null) {
            try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
                ModelResolver resolver = new ModelResolver(registry.snapshot(Duration.ofSeconds(30)), connection.store(),
                        runtime.resolve("cache/cli"));
                ModelPublished meta = resolver.model(ModelRef.parse(model));
                onnx = Files.readAllBytes(resolver.fetch(meta).resolve(ModelPublisher.PRIMARY));
                modelName = meta.name() + " v" + meta.version();
            }
        } else {
            Path head = defaults.resolve(ImageScorerSpec.MODEL_NAME + "-default").resolve(ImageScorerModel.HEAD_FILE);
            onnx = ImageScorerModel.fromHead(head, Map.of());
            modelName = "bundled default (" + head + ")";
        }
        List<Double> predicted = new ArrayList<>();
        List<Double> target = new ArrayList<>();
        Map<String, Integer> refused = new TreeMap<>();
        long t0 = System.nanoTime();
        try (OnnxSession session = OnnxSession.open(onnx, InferenceOptions.cpu(threads));
             BlazeFaceDetector detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), threads)) {
            ImageScorerSpec.check(session, null);
            int size = ImageScorerSpec.size(session.signature());
            FaceCropper cropper = new FaceCropper(new ImageDecoder(), detector, new FaceAligner(FaceAligner.Geometry.mebeauty()));
            float[] x = new float[size * size * 3];
            for (ImageScoreList.ImageScore e : entries) {
                Path photo = raw ? rawPath(e.image()) : e.image();
                if (!Files.exists(photo)) {
                    refused.merge("missing", 1, Integer::sum);
                    continue;
                }
                FaceCropper.Prepared p;
                try {
                    p = cropper.prepare(Files.readAllBytes(photo), raw ? FaceCropper.Mode.DETECT_AND_ALIGN
                            : FaceCropper.Mode.ALREADY_ALIGNED);
                } catch (ImageRejectedException ex) {
                    refused.merge(ex.reason().code(), 1, Integer::sum);
                    continue;
                }
                Images.toNhwc(Images.resize(p.crop(), size, size), 1f, 0f, x, 0);
                predicted.add((double) ImageScorerSpec.score(session, x, 1, size)[0]);
                target.add(e.score());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        RegressionMetrics m = RegressionMetrics.of(predicted.stream().mapToDouble(Double::doubleValue).toArray(),
                target.stream().mapToDouble(Double::doubleValue).toArray());
        report.put("model", modelName);
        report.put("scores", io.quorum.shared.data.DataDir.describe(scores));
        report.put("raw", raw);
        report.put("n", m.n());
        report.put("plcc", m.plcc());
        report.put("srcc", m.srcc());
        report.put("mae", m.mae());
        report.put("rmse", m.rmse());
        report.put("refused", refused);
        report.put("missing_listed", list.missing());
        report.put("seconds", seconds);
        report.put("photos_per_second", m.n() / Math.max(seconds, 1e-9));
        return report;
    }

    /** MEBeauty's uncropped photo behind a crop path (the path itself when it is not a crop path). */
    static Path rawPath(Path crop) {
        String s = crop.toString().replace('\\', '/');
        int at = s.indexOf(CROPS);
        return at < 0 ? crop : Path.of(s.substring(0, at) + ORIGINALS + s.substring(at + CROPS.length()));
    }
}
