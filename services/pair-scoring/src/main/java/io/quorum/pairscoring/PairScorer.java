package io.quorum.pairscoring;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.Isolation;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Scores one batch of {@code PairEmbedded} records with one model version: decode and validate every record, run
 * one inference for all valid pairs, and answer each record with a {@code PairScored} or a dead letter. Plain
 * logic, tested without Quarkus.
 */
final class PairScorer {

    private static final Logger LOG = Logger.getLogger(PairScorer.class);
    private static final EventCodec<PairEmbedded> CODEC = EventCodec.of(PairEmbedded.class, PairEmbedded.SCHEMA_VERSION);

    private record Valid(InRecord record, PairEmbedded pair) {
    }

    private final String outputTopic;

    PairScorer(String outputTopic) {
        this.outputTopic = outputTopic;
    }

    PairScorer() {
        this(Topics.PAIRS_SCORED);
    }

    BatchResult score(List<InRecord> records, ScoringModel model, BatchMetrics metrics) {
        BatchResult result = new BatchResult(records.size());
        List<Valid> valid = new ArrayList<>(records.size());
        // decode + validate, remembering input order
        Object[] slots = new Object[records.size()];
        for (int i = 0; i < records.size(); i++) {
            InRecord r = records.get(i);
            try {
                PairEmbedded p = CODEC.decode(r.value());
                validate(p, model.dimension());
                if (model.embedder() != null && p.embedder() != null && !model.embedder().equals(p.embedder())) {
                    throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, "pair was embedded with " + p.embedder()
                            + " but " + model.meta().name() + " v" + model.meta().version() + " was trained on "
                            + model.embedder() + " vectors");
                }
                Valid v = new Valid(r, p);
                valid.add(v);
                slots[i] = v;
            } catch (InvalidEventException e) {
                slots[i] = new DeadLetter(r, e.reason(), e.getMessage());
            }
        }
        long start = System.nanoTime();
        List<float[]> probabilities = Isolation.run(valid, batch -> infer(batch, model), (v, e) -> {
            LOG.warnf("pair %s at %s failed inference alone: %s", v.pair().pairId(), v.record().coordinates(), e.toString());
        });
        if (!valid.isEmpty()) {
            metrics.inference(model.meta().version(), valid.size(), System.nanoTime() - start);
        }
        long now = System.currentTimeMillis();
        int next = 0;
        for (Object slot : slots) {
            if (slot instanceof DeadLetter d) {
                result.deadLetter(d);
                continue;
            }
            Valid v = (Valid) slot;
            float[] p = probabilities.get(next++);
            if (p == null) {
                result.deadLetter(new DeadLetter(v.record(), RejectReason.INFERENCE_FAILED,
                        "model " + model.meta().name() + " v" + model.meta().version() + " failed on this pair"));
                continue;
            }
            PairEmbedded in = v.pair();
            double prob = p[0];
            PairScored out = new PairScored(PairScored.SCHEMA_VERSION, in.pairId(), in.leftId(), in.rightId(), prob,
                    prob >= model.threshold(), model.threshold(), model.meta().name(), model.meta().version(),
                    in.embedder(), in.embedderVersion(), now);
            result.output(OutRecord.of(outputTopic, v.record().key() != null ? v.record().key() : in.pairId(),
                    Json.toBytes(out)));
        }
        return result;
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
        FloatTensor out;
        try {
            out = model.session().runFloat(Map.of(PairScorerSpec.INPUT_LEFT, FloatTensor.of(left, n, d),
                    PairScorerSpec.INPUT_RIGHT, FloatTensor.of(right, n, d)), PairScorerSpec.OUTPUT);
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        float[] data = out.data();
        List<float[]> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("model returned " + v + " for pair " + batch.get(i).pair().pairId());
            }
            result.add(new float[] {v});
        }
        return result;
    }
}
