package io.quorum.shared.events;

import java.util.Map;

/**
 * An ensemble classified a submitted digit ({@code quorum.digits.classified}, keyed by {@code imageId}): one record per
 * {@link DigitSubmitted}, whatever the vote. All three votes come from the same fused call; {@code prediction} is the
 * one the configured (or the record's) vote decided.
 *
 * @param imageId              the submission's image id
 * @param label                the true class when the submitter gave it (evaluation, red team); null otherwise
 * @param source               the submission's source ({@code app}, {@code red-team:fgsm}, ...)
 * @param prediction           the class under {@code vote}
 * @param className            its name (the model's class names: {@code 7}, {@code Sneaker})
 * @param confidence           under {@code mean}: the mean probability of the class; under {@code max}: the deciding
 *                             member's probability of it; under {@code majority}: the share of members voting for it
 * @param vote                 {@code mean}, {@code max} or {@code majority}
 * @param byVote               the class under each of the three votes
 * @param agreement            the share of members whose own prediction is {@code prediction}
 * @param disagreement         the members' disagreement in nats: the mutual information {@code H(mean) - mean(H(member))}
 *                             (0 when every member gives the same distribution)
 * @param suspectedAdversarial {@code disagreement} is above {@code threshold}: also published to
 *                             {@code quorum.digits.suspicious}
 * @param threshold            the version's calibrated threshold (null when the version has none: nothing is flagged)
 * @param members              ensemble members that voted
 * @param model                ensemble name and {@code modelVersion} that classified it
 * @param classifiedAt         epoch milliseconds
 */
public record DigitClassified(int schemaVersion, String imageId, Integer label, String source, int prediction,
                              String className, double confidence, String vote, Map<String, Integer> byVote,
                              double agreement, double disagreement, boolean suspectedAdversarial, Double threshold,
                              int members, String model, int modelVersion, long classifiedAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public DigitClassified {
        Checks.requiredText(imageId, "imageId");
        Checks.requiredText(vote, "vote");
        Checks.requiredText(model, "model");
        byVote = byVote == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byVote));
    }
}
