package io.quorum.pairscoring.search;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.RejectReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Duplicate search: every embedded question is indexed (one HNSW field per embedder and dimension in one
 * {@link QuestionIndex}); for a new question the top-k nearest known questions (by exact cosine among the graph's
 * candidates) are re-scored by the pair model, and those at or above its threshold are the duplicates. Plain logic,
 * tested without Quarkus or a broker.
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

    private final QuestionIndex index;
    private final int topK;
    private final int candidates;
    private long skipped;

    /**
     * Searches {@code index} for the {@code topK} nearest known questions of each new one, from {@code candidates}
     * proposed by the HNSW graph and re-ranked by exact cosine ({@code candidates <= topK}: no re-ranking beyond topK).
     */
    public DuplicateSearch(QuestionIndex index, int topK, int candidates) {
        this.index = index;
        this.topK = topK;
        this.candidates = candidates;
    }

    /** A search over a new in-memory index, re-ranking {@code 4 * topK} candidates (tests). */
    public DuplicateSearch(int topK) {
        this(QuestionIndex.inMemory(Quantization.NONE), topK, 4 * topK);
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

    /**
     * Indexes {@code q} without searching (replaying history), replacing an earlier version of the question. A vector
     * with NaN or infinity, or of zeros, is not indexed and removes the earlier version (compaction keeps only the
     * latest record of a question, so a rebuild would not find it either).
     */
    public void index(QuestionEmbedded q) {
        index.add(q.embedder(), q.questionId(), q.text(), q.vector().toArray());
    }

    /** Removes question {@code id} (a tombstone on the compacted topic): it is never returned again. */
    public void delete(String id) {
        index.delete(id);
    }

    /**
     * Searches the known questions for duplicates of {@code q} with {@code scorer}, then indexes {@code q}. Returns null
     * when {@code q} cannot be compared with the model ({@link #check}): it is still indexed unless its vector is not
     * finite.
     */
    public DuplicatesFound search(QuestionEmbedded q, Scorer scorer) throws OrtException {
        float[] v = q.vector().toArray();
        boolean compatible = check(q, scorer) == null;
        DuplicatesFound answer = null;
        if (compatible) {
            List<QuestionIndex.Hit> hits = index.nearest(q.embedder(), v, topK, candidates, q.questionId());
            List<DuplicatesFound.Candidate> found = new ArrayList<>();
            if (!hits.isEmpty()) {
                float[][] rights = new float[hits.size()][];
                for (int i = 0; i < hits.size(); i++) {
                    rights[i] = hits.get(i).vector();
                }
                float[] p = scorer.score(v, rights);
                for (int i = 0; i < hits.size(); i++) {
                    if (p[i] >= scorer.threshold()) {
                        QuestionIndex.Hit h = hits.get(i);
                        found.add(new DuplicatesFound.Candidate(h.id(), h.text(), p[i], h.similarity()));
                    }
                }
                found.sort(Comparator.comparingDouble(DuplicatesFound.Candidate::probability).reversed());
            }
            answer = new DuplicatesFound(DuplicatesFound.SCHEMA_VERSION, q.questionId(), q.text(), found, hits.size(),
                    scorer.model(), scorer.version(), scorer.threshold(), q.embedder(), q.embedderVersion(),
                    System.currentTimeMillis());
        } else {
            skipped++;
        }
        index(q);
        return answer;
    }

    /** Questions that could not be searched with the model (another embedder or dimension, or not finite). */
    public long skipped() {
        return skipped;
    }

    /** Indexed questions across embedders. */
    public int size() {
        return index.size();
    }

    /** The index searched. */
    public QuestionIndex index() {
        return index;
    }

    /** Closes the index without committing. */
    @Override
    public void close() {
        index.close();
    }
}
