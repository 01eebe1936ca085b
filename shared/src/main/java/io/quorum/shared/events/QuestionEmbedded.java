package io.quorum.shared.events;

/**
 * A question became a vector ({@code quorum.questions.embedded}, compacted by {@code questionId}: the corpus of
 * known questions that duplicate search indexes).
 */
public record QuestionEmbedded(int schemaVersion, String questionId, String text, FloatVector vector, String embedder,
                               Integer embedderVersion, long embeddedAt) implements QuestionEvent {

    public static final int SCHEMA_VERSION = 1;

    public QuestionEmbedded {
        Checks.requiredText(questionId, "questionId");
        Checks.required(vector, "vector");
    }
}
