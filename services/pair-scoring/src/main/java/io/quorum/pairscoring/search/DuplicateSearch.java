package io.quorum.pairscoring.search;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.model.PairScorerSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Duplicate search: every embedded question is indexed (one HNSW index per embedder); for a new question the top-k
 * nearest known questions are re-scored by the pair model, and those at or above its threshold are the duplicates.
 * Plain logic, tested without Quarkus or a broker.
 */
public final class DuplicateSearch implements AutoCloseable {

    /** The pair model a search runs with: its session, name, version, threshold and the embedder it expects. */
    public interface Scorer {
        String model();

        int version();

        double threshold();

        int dimension();

        /** The embedder the model was trained on, or null when unknown (then any embedder of the right dimension). */
        String embedder();

        float[] score(float[] left, float[][] rights) throws OrtException;
    }

    private final int topK;
    private final Map<String, QuestionIndex> indexes = new ConcurrentHashMap<>();
    private long skipped;

    public DuplicateSearch(int topK) {
        this.topK = topK;
    }

    /** Indexes {@code q} without searching (replaying history). */
    public void index(QuestionEmbedded q) {
        indexFor(q.embedder(), q.vector().dim()).add(q.questionId(), q.text(), q.vector().toArray());
    }

    /**
     * Searches the known questions for duplicates of {@code q} with {@code scorer}, then indexes {@code q}. Returns null
     * when {@code q} cannot be compared with the model (other embedder or dimension): it is still indexed.
     */
    public DuplicatesFound search(QuestionEmbedded q, Scorer scorer) throws OrtException {
        float[] v = q.vector().toArray();
        boolean compatible = v.length == scorer.dimension()
                && (scorer.embedder() == null || q.embedder() == null || scorer.embedder().equals(q.embedder()));
        DuplicatesFound found = null;
        if (compatible) {
            QuestionIndex index = indexFor(q.embedder(), v.length);
            List<QuestionIndex.Hit> hits = index.nearest(v, topK, q.questionId());
            List<DuplicatesFound.Candidate> candidates = new ArrayList<>();
            if (!hits.isEmpty()) {
                float[][] rights = new float[hits.size()][];
                for (int i = 0; i < hits.size(); i++) {
                    rights[i] = hits.get(i).entry().vector();
                }
                float[] p = scorer.score(v, rights);
                for (int i = 0; i < hits.size(); i++) {
                    if (p[i] >= scorer.threshold()) {
                        QuestionIndex.Entry e = hits.get(i).entry();
                        candidates.add(new DuplicatesFound.Candidate(e.id(), e.text(), p[i], hits.get(i).similarity()));
                    }
                }
                candidates.sort(Comparator.comparingDouble(DuplicatesFound.Candidate::probability).reversed());
            }
            found = new DuplicatesFound(DuplicatesFound.SCHEMA_VERSION, q.questionId(), q.text(), candidates, hits.size(),
                    scorer.model(), scorer.version(), scorer.threshold(), q.embedder(), q.embedderVersion(),
                    System.currentTimeMillis());
        } else {
            skipped++;
        }
        index(q);
        return found;
    }

    /** Questions that could not be searched with the model (another embedder or dimension). */
    public long skipped() {
        return skipped;
    }

    /** Indexed questions across embedders. */
    public int size() {
        return indexes.values().stream().mapToInt(QuestionIndex::size).sum();
    }

    private QuestionIndex indexFor(String embedder, int dim) {
        return indexes.computeIfAbsent((embedder == null ? "?" : embedder) + "/" + dim, k -> new QuestionIndex(dim));
    }

    /** Scores {@code left} against each row of {@code rights} with a pair-scorer session. */
    public static float[] score(io.quorum.shared.inference.OnnxSession session, float[] left, float[][] rights)
            throws OrtException {
        int n = rights.length;
        int d = left.length;
        float[] l = new float[n * d];
        float[] r = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(left, 0, l, i * d, d);
            System.arraycopy(rights[i], 0, r, i * d, d);
        }
        return session.runFloat(Map.of(PairScorerSpec.INPUT_LEFT, FloatTensor.of(l, n, d),
                PairScorerSpec.INPUT_RIGHT, FloatTensor.of(r, n, d)), PairScorerSpec.OUTPUT).data();
    }

    @Override
    public void close() {
        indexes.values().forEach(QuestionIndex::close);
    }
}
