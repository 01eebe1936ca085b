package io.quorum.shared.events;

import java.util.List;

/**
 * Duplicate search answered for a new question ({@code quorum.duplicates.found}): the known questions among its
 * nearest neighbours that the pair model scores at or above its threshold, best first (possibly none). Keyed by
 * {@code questionId}.
 *
 * @param searched how many nearest neighbours were re-scored
 */
public record DuplicatesFound(int schemaVersion, String questionId, String text, List<Candidate> candidates, int searched,
                              String model, int modelVersion, double threshold, String embedder, Integer embedderVersion,
                              long foundAt) implements QuestionEvent {

    public static final int SCHEMA_VERSION = 1;

    /** A known question judged a duplicate. */
    public record Candidate(String questionId, String text, double probability, double similarity) {
    }

    public DuplicatesFound {
        Checks.requiredText(questionId, "questionId");
        candidates = candidates == null ? List.of() : List.copyOf(candidates);
    }
}
