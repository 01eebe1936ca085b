package io.quorum.shared.events;

/**
 * Where a model version came from.
 *
 * @param parentVersion  the champion version this one was trained to replace (null for the first)
 * @param job            the training job or tool that produced it
 * @param dataRef        a human-readable reference to the training data
 * @param dataHash       SHA-256 of the training data as read
 * @param codeVersion    version of the code that trained and exported it
 * @param trainingMillis wall-clock training time
 */
public record Lineage(Integer parentVersion, String job, String dataRef, String dataHash, String codeVersion,
                      Long trainingMillis) {
}
