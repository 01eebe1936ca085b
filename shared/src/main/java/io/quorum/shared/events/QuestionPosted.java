package io.quorum.shared.events;

/**
 * An upstream app posted a question ({@code quorum.questions}). Keyed by {@code questionId}.
 *
 * @param embedder optional: embed with this embedder instead of the stream's configured one
 */
public record QuestionPosted(int schemaVersion, String questionId, String text, String embedder, long postedAt)
        implements QuestionEvent {

    public static final int SCHEMA_VERSION = 1;

    public QuestionPosted {
        Checks.requiredText(questionId, "questionId");
        Checks.required(text, "text");
    }

    public static QuestionPosted of(String questionId, String text) {
        return new QuestionPosted(SCHEMA_VERSION, questionId, text, null, System.currentTimeMillis());
    }
}
