package io.quorum.shared.events;

import java.util.List;

/**
 * A classified digit whose ensemble members disagreed beyond the version's calibrated threshold: a suspected
 * adversarial ({@code quorum.digits.suspicious}, keyed by {@code imageId}). It carries the image, so reviewers and
 * retraining jobs need not keep the input topic, and every member's own prediction.
 *
 * @param classification    the record published on {@code quorum.digits.classified} ({@code suspectedAdversarial} true)
 * @param image             the submitted image, as submitted
 * @param memberPredictions each member's most probable class, in the ensemble's member order
 */
public record DigitSuspected(int schemaVersion, DigitClassified classification, DigitImage image,
                             List<Integer> memberPredictions) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public DigitSuspected {
        Checks.required(classification, "classification");
        Checks.required(image, "image");
        memberPredictions = memberPredictions == null ? List.of() : List.copyOf(memberPredictions);
    }

    /** The image id (the record key). */
    public String imageId() {
        return classification.imageId();
    }
}
