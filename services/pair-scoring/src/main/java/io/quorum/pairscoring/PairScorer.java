package io.quorum.pairscoring;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.events.VectorCodec;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.Isolation;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Scores one batch of {@code PairEmbedded} records: decode (JSON or binary content mode, per record) and validate every record, run one inference per model
 * for its valid pairs, and answer each record with a {@code PairScored} or a dead letter, in input order. Pairs that
 * carry interaction features of the set the serving pair-aligner was trained on are scored by it; the others (and
 * all pairs while no aligner serves) by the Siamese pair scorer. Plain logic, tested without Quarkus.
 */
final class PairScorer {

    private static final Logger LOG = Logger.getLogger(PairScorer.class);
    /** JSON and binary content mode, told apart per record by its headers. */
    private static final VectorCodec<PairEmbedded> CODEC = VectorCodec.pairs();

    private record Valid(InRecord record, PairEmbedded pair, boolean aligned) {
    }

    private final String outputTopic;

    PairScorer(String outputTopic) {
        this.outputTopic = outputTopic;
    }

    PairScorer() {
        this(Topics.PAIRS_SCORED);
    }

    BatchResult score(List<InRecord> records, ScoringModel model, BatchMetrics metrics) {
        return score(records, model, null, metrics, null);
    }

    /**
     * @param aligner        the serving pair-aligner, or null
     * @param alignerMetrics where the aligner's inference time is recorded (null with no aligner)
     */
    BatchResult score(List<InRecord> records, ScoringModel model, AlignerModel aligner, BatchMetrics metrics,
                      BatchMetrics alignerMetrics) {
        BatchResult result = new BatchResult(records.size());
        List<Valid> siamese = new ArrayList<>(records.size());
        List<Valid> aligned = new ArrayList<>();
        // decode + validate, remembering input order
        Object[] slots = new Object[records.size()];
        for (int i = 0; i < records.size(); i++) {
            InRecord r = records.get(i);
            try {
                PairEmbedded p = CODEC.decode(r.value(), r.headers());
                Valid v;
                if (aligner != null && p.features() != null && aligner.accepts(p.featureSet(), p.embedder())) {
                    validateFeatures(p, aligner);
                    v = new Valid(r, p, true);
                    aligned.add(v);
                } else {
                    validate(p, model.dimension());
                    if (model.embedder() != null && p.embedder() != null && !model.embedder().equals(p.embedder())) {
                        throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, "pair was embedded with " + p.embedder()
                                + " but " + model.meta().name() + " v" + model.meta().version() + " was trained on "
                                + model.embedder() + " vectors");
                    }
                    v = new Valid(r, p, false);
                    siamese.add(v);
                }
                slots[i] = v;
            } catch (InvalidEventException e) {
                slots[i] = new DeadLetter(r, e.reason(), e.getMessage());
            }
        }
        java.util.Map<Valid, float[]> probabilities = new java.util.IdentityHashMap<>();
        run(siamese, batch -> infer(batch, model), model.meta().version(), metrics, probabilities);
        if (!aligned.isEmpty()) {
            run(aligned, batch -> inferAligned(batch, aligner), aligner.meta().version(), alignerMetrics, probabilities);
        }
        long now = System.currentTimeMillis();
        for (Object slot : slots) {
            if (slot instanceof DeadLetter d) {
                result.deadLetter(d);
                continue;
            }
            Valid v = (Valid) slot;
            float[] p = probabilities.get(v);
            String name = v.aligned() ? aligner.meta().name() : model.meta().name();
            int version = v.aligned() ? aligner.meta().version() : model.meta().version();
            double threshold = v.aligned() ? aligner.threshold() : model.threshold();
            if (p == null) {
                result.deadLetter(new DeadLetter(v.record(), RejectReason.INFERENCE_FAILED,
                        "model " + name + " v" + version + " failed on this pair"));
                continue;
            }
            PairEmbedded in = v.pair();
            double prob = p[0];
            PairScored out = new PairScored(PairScored.SCHEMA_VERSION, in.pairId(), in.leftId(), in.rightId(), prob,
                    prob >= threshold, threshold, name, version, in.embedder(), in.embedderVersion(), now);
            result.output(OutRecord.of(outputTopic, v.record().key() != null ? v.record().key() : in.pairId(),
                    Json.toBytes(out)));
        }
        return result;
    }

    /** One inference over {@code group} (isolating a failing pair), results recorded per pair. */
    private static void run(List<Valid> group, java.util.function.Function<List<Valid>, List<float[]>> infer, int version,
                            BatchMetrics metrics, java.util.Map<Valid, float[]> into) {
        if (group.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<float[]> p = Isolation.run(group, infer::apply, (v, e) -> LOG.warnf("pair %s at %s failed inference alone: %s",
                v.pair().pairId(), v.record().coordinates(), e.toString()));
        if (metrics != null) {
            metrics.inference(version, group.size(), System.nanoTime() - start);
        }
        for (int i = 0; i < group.size(); i++) {
            into.put(group.get(i), p.get(i));
        }
    }

    static void validateFeatures(PairEmbedded p, AlignerModel aligner) throws InvalidEventException {
        if (p.features().dim() != aligner.features()) {
            throw new InvalidEventException(RejectReason.WRONG_DIMENSION, "features of set " + p.featureSet() + " have "
                    + p.features().dim() + " values, " + aligner.meta().name() + " v" + aligner.meta().version()
                    + " takes " + aligner.features());
        }
        int bad = p.features().firstNonFinite();
        if (bad >= 0) {
            throw new InvalidEventException(RejectReason.NON_FINITE, "features have a non-finite value at index " + bad);
        }
    }

    private static List<float[]> inferAligned(List<Valid> batch, AlignerModel aligner) {
        int n = batch.size();
        int k = aligner.features();
        float[] x = new float[n * k];
        for (int i = 0; i < n; i++) {
            batch.get(i).pair().features().copyTo(x, i * k);
        }
        FloatTensor out;
        try {
            out = aligner.session().runFloat(Map.of(PairAlignerSpec.INPUT, FloatTensor.of(x, n, k)), PairAlignerSpec.OUTPUT);
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        return probabilities(out.data(), batch);
    }

    static void validate(PairEmbedded p, int dim) throws InvalidEventException {
        if (p.left().dim() != dim || p.right().dim() != dim) {
            throw new InvalidEventException(RejectReason.WRONG_DIMENSION, "vector lengths " + p.left().dim() + " and "
                    + p.right().dim() + " do not match the model's input dimension " + dim);
        }
        int bad = p.left().firstNonFinite();
        if (bad >= 0) {
            throw new InvalidEventException(RejectReason.NON_FINITE, "left vector has a non-finite value at index " + bad);
        }
        bad = p.right().firstNonFinite();
        if (bad >= 0) {
            throw new InvalidEventException(RejectReason.NON_FINITE, "right vector has a non-finite value at index " + bad);
        }
    }

    private static List<float[]> infer(List<Valid> batch, ScoringModel model) {
        int n = batch.size();
        int d = model.dimension();
        float[] left = new float[n * d];
        float[] right = new float[n * d];
        for (int i = 0; i < n; i++) {
            batch.get(i).pair().left().copyTo(left, i * d);
            batch.get(i).pair().right().copyTo(right, i * d);
        }
        try {
            return probabilities(PairScorerSpec.score(model.session(), left, right, n, d), batch);
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
    }

    private static List<float[]> probabilities(float[] data, List<Valid> batch) {
        List<float[]> result = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("model returned " + v + " for pair " + batch.get(i).pair().pairId());
            }
            result.add(new float[] {v});
        }
        return result;
    }
}
