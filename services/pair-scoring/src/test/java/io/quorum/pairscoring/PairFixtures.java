package io.quorum.pairscoring;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.PairScorerSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Pairs for tests, and what in-process ONNX Runtime says about them. */
final class PairFixtures {

    static final int DIM = 32;
    static final int HIDDEN = 16;

    private PairFixtures() {
    }

    static List<PairEmbedded> pairs(String prefix, int n, long seed) {
        Random rnd = new Random(seed);
        List<PairEmbedded> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] a = new float[DIM];
            float[] b = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                a[j] = (float) rnd.nextGaussian();
                b[j] = i % 3 == 0 ? a[j] + (float) rnd.nextGaussian() * 0.05f : (float) rnd.nextGaussian();
            }
            out.add(new PairEmbedded(PairEmbedded.SCHEMA_VERSION, prefix + i, "q" + (2 * i), "q" + (2 * i + 1),
                    FloatVector.wrap(a), FloatVector.wrap(b), "test-embedder", 1, System.currentTimeMillis()));
        }
        return out;
    }

    /** Probabilities per pair id, computed in-process with the stored artifact of {@code model}. */
    static Map<String, Double> expected(ModelPublished model, List<PairEmbedded> pairs) throws OrtException {
        try (OnnxSession s = OnnxSession.open(Path.of(URI.create(model.uri())), InferenceOptions.cpu(1))) {
            Map<String, Double> out = new HashMap<>();
            int chunk = 1000;
            for (int from = 0; from < pairs.size(); from += chunk) {
                List<PairEmbedded> part = pairs.subList(from, Math.min(pairs.size(), from + chunk));
                float[] l = new float[part.size() * DIM];
                float[] r = new float[part.size() * DIM];
                for (int i = 0; i < part.size(); i++) {
                    part.get(i).left().copyTo(l, i * DIM);
                    part.get(i).right().copyTo(r, i * DIM);
                }
                FloatTensor p = s.runFloat(Map.of(PairScorerSpec.INPUT_LEFT, FloatTensor.of(l, part.size(), DIM),
                        PairScorerSpec.INPUT_RIGHT, FloatTensor.of(r, part.size(), DIM)), PairScorerSpec.OUTPUT);
                for (int i = 0; i < part.size(); i++) {
                    out.put(part.get(i).pairId(), (double) p.data()[i]);
                }
            }
            return out;
        }
    }

    static PairScored scored(ConsumerRecord<String, byte[]> r) {
        return Json.fromBytes(r.value(), PairScored.class);
    }
}
