package io.quorum.faces.detect;

import ai.onnxruntime.OrtException;
import io.quorum.faces.image.Images;
import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Face detection with MediaPipe's full-range BlazeFace (converted from TF.js): the photo is letterboxed into the
 * 256x256 input (aspect kept, centred, black bars), scaled to [-1, 1]; each of the 896 anchors (16x16 cells x 2 at
 * stride 16, 8x8 cells x 6 at stride 32, centred in their cell) yields a score logit and a box/keypoint offset row;
 * rows above {@link Options#minScore} are decoded, merged by weighted non-maximum suppression (MediaPipe's blending:
 * overlapping detections above {@link Options#iouThreshold} are averaged, weighted by score), and mapped back to the
 * photo's pixels. See DESIGN.md.
 */
public final class BlazeFaceDetector implements AutoCloseable {

    /** The model's input side. */
    public static final int INPUT = 256;

    /**
     * Detection settings.
     *
     * @param minScore     the sigmoid score a detection needs
     * @param iouThreshold overlap above which detections are merged into one face
     * @param margin       black border added around the photo, as a fraction of its longer side, before it is
     *                     letterboxed: the full-range model is trained on faces smaller than the frame, so a tight
     *                     crop is detected better with a border
     */
    public record Options(double minScore, double iouThreshold, double margin) {
        /** Score 0.5 and IoU 0.3 (MediaPipe's full-range settings), margin 0.25. */
        public static Options defaults() {
            return new Options(0.5, 0.3, 0.25);
        }
    }

    private static final float[][] ANCHORS = anchors();

    private final OnnxSession session;
    private final Options options;

    public BlazeFaceDetector(OnnxSession session, Options options) {
        this.session = session;
        this.options = options;
    }

    /** The bundled model on the CPU. */
    public static BlazeFaceDetector open(Options options, int threads) throws OrtException {
        return new BlazeFaceDetector(FaceModels.open(FaceModel.BLAZEFACE, InferenceOptions.cpu(threads)), options);
    }

    /** Anchor centres in input pixels, in the model's output order (stride-16 grid first). */
    static float[][] anchors() {
        int[] strides = {16, 32};
        int[] perCell = {2, 6};
        List<float[]> out = new ArrayList<>();
        for (int s = 0; s < strides.length; s++) {
            int cells = (INPUT + strides[s] - 1) / strides[s];
            for (int gy = 0; gy < cells; gy++) {
                for (int gx = 0; gx < cells; gx++) {
                    for (int a = 0; a < perCell[s]; a++) {
                        out.add(new float[] {strides[s] * (gx + 0.5f), strides[s] * (gy + 0.5f)});
                    }
                }
            }
        }
        return out.toArray(new float[0][]);
    }

    /** The faces in {@code image}, highest score first. */
    public List<Face> detect(BufferedImage image) throws OrtException {
        int w = image.getWidth();
        int h = image.getHeight();
        double scale = INPUT / (Math.max(w, h) * (1 + 2 * options.margin()));
        int sw = Math.max(1, (int) Math.round(w * scale));
        int sh = Math.max(1, (int) Math.round(h * scale));
        BufferedImage scaled = Images.resize(image, sw, sh);
        int ox = (INPUT - sw) / 2;
        int oy = (INPUT - sh) / 2;
        BufferedImage input = Images.draw(scaled, INPUT, INPUT, AffineTransform.getTranslateInstance(ox, oy));
        float[] x = new float[INPUT * INPUT * 3];
        Images.toNhwc(input, 1f / 127.5f, -1f, x, 0);
        Map<String, Tensor> out = session.run(Map.of("image", FloatTensor.of(x, 1, INPUT, INPUT, 3)));
        float[] s16 = ((FloatTensor) out.get("scores16")).data();
        float[] b16 = ((FloatTensor) out.get("boxes16")).data();
        float[] s32 = ((FloatTensor) out.get("scores32")).data();
        float[] b32 = ((FloatTensor) out.get("boxes32")).data();
        List<Face> candidates = new ArrayList<>();
        for (int i = 0; i < ANCHORS.length; i++) {
            boolean first = i < s16.length;
            int j = first ? i : i - s16.length;
            float logit = first ? s16[j] : s32[j];
            double score = 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, logit))));
            if (score < options.minScore()) {
                continue;
            }
            float[] r = first ? b16 : b32;
            int base = j * 16;
            float ax = ANCHORS[i][0];
            float ay = ANCHORS[i][1];
            double cx = ax + r[base];
            double cy = ay + r[base + 1];
            double bw = r[base + 2];
            double bh = r[base + 3];
            double[] kp = new double[12];
            for (int k = 0; k < 6; k++) {
                kp[2 * k] = ((ax + r[base + 4 + 2 * k]) - ox) / scale;
                kp[2 * k + 1] = ((ay + r[base + 5 + 2 * k]) - oy) / scale;
            }
            candidates.add(new Face((cx - bw / 2 - ox) / scale, (cy - bh / 2 - oy) / scale, bw / scale, bh / scale, score, kp));
        }
        return weightedNms(candidates, options.iouThreshold());
    }

    /** MediaPipe's weighted NMS: each cluster around the best remaining detection becomes its score-weighted mean. */
    static List<Face> weightedNms(List<Face> candidates, double iouThreshold) {
        List<Face> remaining = new ArrayList<>(candidates);
        remaining.sort(Comparator.comparingDouble(Face::score).reversed());
        List<Face> out = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Face best = remaining.get(0);
            List<Face> cluster = new ArrayList<>();
            List<Face> rest = new ArrayList<>();
            for (Face f : remaining) {
                (best.iou(f) > iouThreshold ? cluster : rest).add(f);
            }
            double total = 0;
            double x = 0;
            double y = 0;
            double w = 0;
            double h = 0;
            double[] kp = new double[12];
            for (Face f : cluster) {
                double s = f.score();
                total += s;
                x += s * f.x();
                y += s * f.y();
                w += s * f.width();
                h += s * f.height();
                double[] fk = f.keypoints();
                for (int k = 0; k < 12; k++) {
                    kp[k] += s * fk[k];
                }
            }
            for (int k = 0; k < 12; k++) {
                kp[k] /= total;
            }
            out.add(new Face(x / total, y / total, w / total, h / total, best.score(), kp));
            remaining = rest;
        }
        return out;
    }

    @Override
    public void close() {
        session.close();
    }
}
