package io.quorum.imagescoring;

import ai.onnxruntime.OrtException;
import io.quorum.faces.detect.Face;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.Images;
import io.quorum.faces.pipeline.FaceCropper;
import io.quorum.shared.events.ImageScored;
import io.quorum.shared.events.PhotoHeaders;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.Isolation;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.ImageScorerSpec;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Scores one batch of photo records: each record's value is the raw JPEG/PNG bytes, its metadata CloudEvents
 * binary-mode headers ({@value #HEADER_ID}, {@value #HEADER_SOURCE}, ...). Every photo is decoded behind the size
 * guards, its largest face detected and aligned (or, for an aligned crop, only resized), then the valid crops of the
 * batch are scored with one inference call; each record is answered in input order with an {@code ImageScored} or a
 * dead letter carrying its reason. Plain logic, tested without Quarkus.
 */
final class ImageScorer {

    private static final Logger LOG = Logger.getLogger(ImageScorer.class);
    /** CloudEvents binary mode: the event id (the image id). */
    static final String HEADER_ID = PhotoHeaders.ID;
    /** CloudEvents binary mode: who published the photo. */
    static final String HEADER_SOURCE = PhotoHeaders.SOURCE;
    /** CloudEvents binary mode: the event type. */
    static final String HEADER_TYPE = PhotoHeaders.TYPE;
    /** CloudEvents binary mode: the spec version ({@code 1.0}). */
    static final String HEADER_SPEC_VERSION = PhotoHeaders.SPEC_VERSION;
    /** CloudEvents binary mode: the value's media type ({@code image/jpeg}, {@code image/png}). */
    static final String HEADER_CONTENT_TYPE = PhotoHeaders.CONTENT_TYPE;
    /** A CloudEvents extension attribute: {@code true} when the photo is already an aligned face crop. */
    static final String HEADER_ALIGNED = PhotoHeaders.ALIGNED;
    /** Asks for an explanation of this photo: {@code occlusion}, or {@code none} to skip the configured default. */
    static final String HEADER_EXPLAIN = PhotoHeaders.EXPLAIN;

    /**
     * @param outputTopic    where scores go
     * @param alreadyAligned inputs are aligned crops unless their {@value #HEADER_ALIGNED} header says otherwise
     * @param maxRecordBytes larger record values are refused ({@code LIMIT_EXCEEDED}) before anything is read
     * @param explainAll     every scored photo is explained unless its {@value #HEADER_EXPLAIN} header says {@code none}
     * @param explainTopic   where explanations go
     */
    record Settings(String outputTopic, boolean alreadyAligned, long maxRecordBytes, boolean explainAll,
            String explainTopic) {

        Settings(String outputTopic, boolean alreadyAligned, long maxRecordBytes) {
            this(outputTopic, alreadyAligned, maxRecordBytes, false, io.quorum.shared.topics.Topics.IMAGES_EXPLAINED);
        }
    }

    private record Valid(InRecord record, String imageId, FaceCropper.Prepared prepared, boolean aligned,
            boolean explain) {
    }

    private final Settings settings;
    private final FaceCropper cropper;
    private final Explainer explainer;

    ImageScorer(Settings settings, FaceCropper cropper) {
        this(settings, cropper, new Explainer(new io.quorum.faces.explain.OcclusionSensitivity.Settings(56, 28, 16)));
    }

    ImageScorer(Settings settings, FaceCropper cropper, Explainer explainer) {
        this.settings = settings;
        this.cropper = cropper;
        this.explainer = explainer;
    }

    /** Decodes, detects and aligns one photo (the HTTP explain path); refusals as for records. */
    FaceCropper.Prepared prepare(byte[] photo, boolean aligned, ScoringModel model) throws Rejected {
        return prepare(new InRecord("http", 0, 0, null, photo, 0L, Map.of()), model, aligned).prepared();
    }

    BatchResult score(List<InRecord> records, ScoringModel model, BatchMetrics metrics, ImageMetrics images) {
        BatchResult result = new BatchResult(records.size());
        Object[] slots = new Object[records.size()];
        List<Valid> valid = new ArrayList<>(records.size());
        long prepareStart = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
            InRecord r = records.get(i);
            try {
                Valid v = prepare(r, model);
                valid.add(v);
                slots[i] = v;
                if (images != null) {
                    images.steps(v.prepared().timings());
                }
            } catch (Rejected e) {
                slots[i] = new DeadLetter(r, e.reason, e.getMessage());
            }
        }
        if (images != null && !records.isEmpty()) {
            images.stage("prepare", System.nanoTime() - prepareStart);
        }
        List<Float> scores = List.of();
        if (!valid.isEmpty()) {
            long start = System.nanoTime();
            scores = Isolation.run(valid, batch -> infer(batch, model), (v, e) -> LOG.warnf(
                    "image %s at %s failed inference alone: %s", v.imageId(), v.record().coordinates(), e.toString()));
            long took = System.nanoTime() - start;
            if (metrics != null) {
                metrics.inference(model.meta().version(), valid.size(), took);
            }
            if (images != null) {
                images.stage("score", took);
            }
        }
        IdentityHashMap<Valid, Float> byImage = new IdentityHashMap<>();
        for (int i = 0; i < valid.size(); i++) {
            byImage.put(valid.get(i), scores.get(i));
        }
        long now = System.currentTimeMillis();
        for (Object slot : slots) {
            if (slot instanceof DeadLetter d) {
                result.deadLetter(d);
                continue;
            }
            Valid v = (Valid) slot;
            Float s = byImage.get(v);
            if (s == null) {
                result.deadLetter(new DeadLetter(v.record(), RejectReason.INFERENCE_FAILED, model.describe()
                        + " failed on this image"));
                continue;
            }
            FaceCropper.Prepared p = v.prepared();
            String policy = v.aligned() ? ImageScored.POLICY_ALREADY_ALIGNED : ImageScored.POLICY_LARGEST;
            ImageScored out = new ImageScored(ImageScored.SCHEMA_VERSION, v.imageId(), v.record().header(HEADER_SOURCE),
                    s, model.scale().min(), model.scale().max(), p.width(), p.height(), v.aligned() ? 1 : p.facesFound(),
                    policy, box(p.face()), model.meta().name(), model.meta().version(), now);
            String key = v.record().key() != null ? v.record().key() : v.imageId();
            result.output(OutRecord.of(settings.outputTopic(), key, Json.toBytes(out)));
            if (images != null) {
                images.scored(policy, out.facesFound());
            }
            if (v.explain()) {
                long start = System.nanoTime();
                try {
                    result.output(Explainer.record(settings.explainTopic(), key,
                            explainer.explain(v.imageId(), p.crop(), model, null)));
                } catch (Exception e) {
                    // the score is published either way; a failed explanation is logged, not dead-lettered
                    LOG.warnf("image %s at %s: explanation failed: %s", v.imageId(), v.record().coordinates(), e.toString());
                }
                if (images != null) {
                    images.stage("explain", System.nanoTime() - start);
                }
            }
        }
        return result;
    }

    /** Thrown for a record refused before scoring. */
    static final class Rejected extends Exception {
        final RejectReason reason;

        Rejected(RejectReason reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private Valid prepare(InRecord r, ScoringModel model) throws Rejected {
        return prepare(r, model, aligned(r.header(HEADER_ALIGNED)));
    }

    private Valid prepare(InRecord r, ScoringModel model, boolean aligned) throws Rejected {
        byte[] value = r.value();
        if (value == null || value.length == 0) {
            throw new Rejected(RejectReason.NOT_AN_IMAGE, "empty record value (tombstone or no payload)");
        }
        if (value.length > settings.maxRecordBytes()) {
            throw new Rejected(RejectReason.LIMIT_EXCEEDED, "record value of " + value.length + " bytes exceeds the limit of "
                    + settings.maxRecordBytes());
        }
        String id = r.header(HEADER_ID);
        if (id == null || id.isBlank()) {
            id = r.key() != null && !r.key().isBlank() ? r.key() : r.coordinates();
        }
        boolean explain = explain(r.header(HEADER_EXPLAIN));
        FaceCropper.Prepared p;
        try {
            p = cropper.prepare(value, aligned ? FaceCropper.Mode.ALREADY_ALIGNED : FaceCropper.Mode.DETECT_AND_ALIGN);
        } catch (ImageRejectedException e) {
            throw new Rejected(reason(e.reason()), e.getMessage());
        } catch (OrtException | RuntimeException e) {
            LOG.warnf("image %s at %s could not be prepared: %s", id, r.coordinates(), e.toString());
            throw new Rejected(RejectReason.PROCESSING_FAILED, "detection failed: " + e.getMessage());
        }
        if (p.crop().getWidth() != model.size() || p.crop().getHeight() != model.size()) {
            p = new FaceCropper.Prepared(Images.resize(p.crop(), model.size(), model.size()), p.face(), p.facesFound(),
                    p.width(), p.height(), p.timings());
        }
        return new Valid(r, id, p, aligned, explain);
    }

    /** Whether the record asks for an explanation ({@value #HEADER_EXPLAIN}), else the configured default. */
    boolean explain(String header) throws Rejected {
        if (header == null || header.isBlank()) {
            return settings.explainAll();
        }
        return switch (header.trim().toLowerCase(Locale.ROOT)) {
            case Explainer.METHOD -> true;
            case "none" -> false;
            default -> throw new Rejected(RejectReason.INVALID_VALUE, HEADER_EXPLAIN + " must be occlusion or none, got '"
                    + header + "'");
        };
    }

    /** The record's alignment flag, else the configured one. */
    boolean aligned(String header) throws Rejected {
        if (header == null || header.isBlank()) {
            return settings.alreadyAligned();
        }
        return switch (header.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new Rejected(RejectReason.INVALID_VALUE, HEADER_ALIGNED + " must be true or false, got '"
                    + header + "'");
        };
    }

    /** The dead-letter code of a decoder or detector refusal. */
    static RejectReason reason(ImageRejectedException.Reason r) {
        return switch (r) {
            case OVERSIZED_INPUT -> RejectReason.LIMIT_EXCEEDED;
            case NOT_AN_IMAGE -> RejectReason.NOT_AN_IMAGE;
            case DECOMPRESSION_BOMB -> RejectReason.DECOMPRESSION_BOMB;
            case TRUNCATED_IMAGE -> RejectReason.TRUNCATED_IMAGE;
            case CORRUPT_IMAGE -> RejectReason.CORRUPT_IMAGE;
            case UNSUPPORTED_IMAGE -> RejectReason.UNSUPPORTED_IMAGE;
            case NO_FACE -> RejectReason.NO_FACE;
        };
    }

    static ImageScored.FaceBox box(Face f) {
        if (f == null) {
            return null;
        }
        List<ImageScored.Point> points = new ArrayList<>();
        for (Face.Keypoint k : Face.Keypoint.values()) {
            points.add(new ImageScored.Point(f.kx(k), f.ky(k)));
        }
        return new ImageScored.FaceBox(f.x(), f.y(), f.width(), f.height(), f.score(), points);
    }

    private static List<Float> infer(List<Valid> batch, ScoringModel model) {
        int size = model.size();
        int per = size * size * 3;
        float[] x = new float[batch.size() * per];
        for (int i = 0; i < batch.size(); i++) {
            BufferedImage crop = batch.get(i).prepared().crop();
            Images.toNhwc(crop, 1f, 0f, x, i * per);
        }
        float[] s;
        try {
            s = ImageScorerSpec.score(model.session(), x, batch.size(), size);
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        List<Float> out = new ArrayList<>(s.length);
        for (int i = 0; i < s.length; i++) {
            if (!Float.isFinite(s[i])) {
                throw new IllegalStateException("the scorer returned " + s[i] + " for image " + batch.get(i).imageId());
            }
            out.add(s[i]);
        }
        return out;
    }
}
