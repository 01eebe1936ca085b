package io.quorum.shared.events;

/** Events about one question. */
public interface QuestionEvent extends QuorumEvent {
    String questionId();
}
