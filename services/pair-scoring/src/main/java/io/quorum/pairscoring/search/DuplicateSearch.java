package io.quorum.pairscoring.search;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.RejectReason;
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

    /** Why a question cannot be searched with a model: the dead-letter reason and its message. */
    public record Unsearchable(RejectReason reason, String message) {
    }

    /** Why {@code q} cannot be searched with {@code scorer}, or null when it can. */
    public static Unsearchable check(QuestionEmbedded q, Scorer scorer) {
        int bad = q.vector().firstNonFinite();
        if (bad >= 0) {
            return new Unsearchable(RejectReason.NON_FINITE, "vector has a non-finite value at index " + bad);
        }
        if (q.vector().dim() != scorer.dimension()) {
            return new Unsearchable(RejectReason.WRONG_DIMENSION, "vector of length " + q.vector().dim() + " ("
                    + q.embedder() + "); the duplicate-search model " + scorer.model() + " v" + scorer.version()
                    + " takes " + scorer.dimension());
        }
        if (scorer.embedder() != null && q.embedder() != null && !scorer.embedder().equals(q.embedder())) {
            return new Unsearchable(RejectReason.UNKNOWN_MODEL, "question embedded with " + q.embedder()
                    + "; the duplicate-search model " + scorer.model() + " v" + scorer.version() + " scores "
                    + scorer.embedder() + " vectors");
        }
        return null;
    }

    /** Indexes {@code q} without searching (replaying history); a vector with NaN or infinity is left out. */
    public void index(QuestionEmbedded q) {
        if (q.vector().firstNonFinite() >= 0) {
            return;
        }
        indexFor(q.embedder(), q.vector().dim()).add(q.questionId(), q.text(), q.vector().toArray());
    }

    /**
     * Searches the known questions for duplicates of {@code q} with {@code scorer}, then indexes {@code q}. Returns null
     * when {@code q} cannot be compared with the model ({@link #check}): it is still indexed unless its vector is not
     * finite.
     */
    public DuplicatesFound search(QuestionEmbedded q, Scorer scorer) throws OrtException {
        float[] v = q.vector().toArray();
        boolean compatible = check(q, scorer) == null;
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

    /** Questions that could not be searched with the model (another embedder or dimension, or not finite). */
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

    @Override
    public void close() {
        indexes.values().forEach(QuestionIndex::close);
    }
}
