package io.quorum.ensemblevoting;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.DigitClassified;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.DigitSuspected;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.Isolation;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.vision.ensemble.Disagreement;
import io.quorum.vision.ensemble.Vote;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.jboss.logging.Logger;

/**
 * Votes on one batch of {@code DigitSubmitted} records: decode and check every record, run one fused inference for the
 * valid ones (every member's probabilities of every image), and answer each record, in input order, with a
 * {@code DigitClassified} (and, for a suspected adversarial, a {@code DigitSuspected} after it) or a dead letter. All
 * three votes, the agreement and the disagreement come from that one call; the record's {@code vote} (else the
 * configured one) decides its {@code prediction}. Plain logic, tested without Quarkus.
 */
final class DigitVoter {

    private static final Logger LOG = Logger.getLogger(DigitVoter.class);
    private static final EventCodec<DigitSubmitted> CODEC = EventCodec.of(DigitSubmitted.class, DigitSubmitted.SCHEMA_VERSION);

    /**
     * @param outputTopic       where classifications go
     * @param suspiciousTopic   where suspected adversarials also go
     * @param defaultVote       the vote of records that name none
     * @param detect            whether to flag at all
     * @param thresholdOverride a fixed threshold instead of the version's (null: the version's)
     */
    record Settings(String outputTopic, String suspiciousTopic, Vote defaultVote, boolean detect, Double thresholdOverride) {
    }

    private record Valid(InRecord record, DigitSubmitted digit, float[] image, Vote vote) {
    }

    private final Settings settings;

    DigitVoter(Settings settings) {
        this.settings = settings;
    }

    /** The threshold that applies to {@code model}'s digits (empty: nothing is flagged). */
    OptionalDouble threshold(VotingModel model) {
        if (!settings.detect()) {
            return OptionalDouble.empty();
        }
        return settings.thresholdOverride() != null ? OptionalDouble.of(settings.thresholdOverride()) : model.threshold();
    }

    BatchResult vote(List<InRecord> records, VotingModel model, BatchMetrics metrics, VoteMetrics votes) {
        BatchResult result = new BatchResult(records.size());
        Object[] slots = new Object[records.size()];
        List<Valid> valid = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            InRecord r = records.get(i);
            try {
                DigitSubmitted d = CODEC.decode(r.value());
                Vote vote = vote(d.vote());
                float[] image = intensities(d.image(), model.height(), model.width());
                Valid v = new Valid(r, d, image, vote);
                valid.add(v);
                slots[i] = v;
            } catch (InvalidEventException e) {
                slots[i] = new DeadLetter(r, e.reason(), e.getMessage());
            }
        }
        List<float[][]> members = List.of();
        if (!valid.isEmpty()) {
            long start = System.nanoTime();
            members = Isolation.run(valid, batch -> infer(batch, model), (v, e) -> LOG.warnf(
                    "digit %s at %s failed inference alone: %s", v.digit().imageId(), v.record().coordinates(), e.toString()));
            if (metrics != null) {
                metrics.inference(model.meta().version(), valid.size(), System.nanoTime() - start);
            }
        }
        java.util.IdentityHashMap<Valid, float[][]> byDigit = new java.util.IdentityHashMap<>();
        for (int i = 0; i < valid.size(); i++) {
            byDigit.put(valid.get(i), members.get(i));
        }
        OptionalDouble threshold = threshold(model);
        long now = System.currentTimeMillis();
        for (Object slot : slots) {
            if (slot instanceof DeadLetter d) {
                result.deadLetter(d);
                continue;
            }
            Valid v = (Valid) slot;
            float[][] p = byDigit.get(v);
            if (p == null) {
                result.deadLetter(new DeadLetter(v.record(), RejectReason.INFERENCE_FAILED, model.describe()
                        + " failed on this digit"));
                continue;
            }
            Map<String, Integer> byVote = new LinkedHashMap<>();
            Vote.Decision chosen = null;
            for (Vote vote : Vote.values()) {
                Vote.Decision d = vote.decide(p);
                byVote.put(vote.wire(), d.label());
                if (vote == v.vote()) {
                    chosen = d;
                }
            }
            double disagreement = Disagreement.mutualInformation(p);
            boolean flagged = threshold.isPresent() && disagreement > threshold.getAsDouble();
            DigitSubmitted in = v.digit();
            DigitClassified out = new DigitClassified(DigitClassified.SCHEMA_VERSION, in.imageId(), in.label(), in.source(),
                    chosen.label(), model.classNames().get(chosen.label()), chosen.confidence(), v.vote().wire(), byVote,
                    Disagreement.agreement(p, chosen.label()), disagreement, flagged,
                    threshold.isPresent() ? threshold.getAsDouble() : null, p.length, model.meta().name(),
                    model.meta().version(), now);
            // keyed like the input (upstream apps key by image id), so a digit's answers share its partition
            String key = v.record().key() != null ? v.record().key() : in.imageId();
            result.output(OutRecord.of(settings.outputTopic(), key, Json.toBytes(out)));
            if (flagged) {
                List<Integer> memberPredictions = new ArrayList<>();
                for (int m : Vote.memberPredictions(p)) {
                    memberPredictions.add(m);
                }
                result.output(OutRecord.of(settings.suspiciousTopic(), key, Json.toBytes(new DigitSuspected(
                        DigitSuspected.SCHEMA_VERSION, out, in.image(), memberPredictions))));
            }
            if (votes != null) {
                votes.record(model.meta().name(), model.meta().version(), v.vote(), disagreement, flagged);
            }
        }
        return result;
    }

    /** The record's vote, else the configured one. */
    Vote vote(String asked) throws InvalidEventException {
        if (asked == null || asked.isBlank()) {
            return settings.defaultVote();
        }
        try {
            return Vote.parse(asked);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, e.getMessage());
        }
    }

    /** The image's intensities when it is a well-formed {@code height x width} image of finite values in [0, 1]. */
    static float[] intensities(DigitImage image, int height, int width) throws InvalidEventException {
        if (image.width() != width || image.height() != height) {
            throw new InvalidEventException(RejectReason.WRONG_DIMENSION, "the ensemble takes " + width + "x" + height
                    + " images, got " + image.width() + "x" + image.height());
        }
        int n = width * height;
        if (image.values() != null) {
            if (image.values().dim() != n) {
                throw new InvalidEventException(RejectReason.WRONG_DIMENSION, width + "x" + height + " image needs " + n
                        + " values, got " + image.values().dim());
            }
            int bad = image.values().firstNonFinite();
            if (bad >= 0) {
                throw new InvalidEventException(RejectReason.NON_FINITE, "image value " + bad + " is " + image.values().get(bad));
            }
        } else {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(image.pixels());
            } catch (IllegalArgumentException e) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "'pixels' is not base64: " + e.getMessage());
            }
            if (bytes.length != n) {
                throw new InvalidEventException(RejectReason.WRONG_DIMENSION, width + "x" + height + " image needs " + n
                        + " pixels, got " + bytes.length);
            }
        }
        try {
            return image.intensities();
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "image: " + e.getMessage());
        }
    }

    private static List<float[][]> infer(List<Valid> batch, VotingModel model) {
        float[][] x = new float[batch.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = batch.get(i).image();
        }
        float[][][] p;
        try {
            p = DigitEnsembleSpec.memberProbabilities(model.session(), x);
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        List<float[][]> out = new ArrayList<>(p.length);
        for (int i = 0; i < p.length; i++) {
            for (float[] member : p[i]) {
                for (float v : member) {
                    if (!Float.isFinite(v)) {
                        throw new IllegalStateException("the ensemble returned " + v + " for digit " + batch.get(i).digit().imageId());
                    }
                }
            }
            out.add(p[i]);
        }
        return out;
    }
}
