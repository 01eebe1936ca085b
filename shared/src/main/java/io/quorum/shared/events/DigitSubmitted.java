package io.quorum.shared.events;

/**
 * An upstream app submits a digit image to be classified ({@code quorum.digits}); the red team of the adversarial
 * service submits adversarial ones the same way. Keyed by {@code imageId}.
 *
 * @param image       the image (28x28 for the digit models), inline
 * @param label       the true class when the submitter knows it (evaluation, red team); null otherwise
 * @param source      who submitted it ({@code app}, {@code red-team:fgsm}, ...)
 * @param vote        optional: the ensemble vote to classify it with ({@code mean}, {@code max}, {@code majority})
 * @param submittedAt epoch milliseconds
 */
public record DigitSubmitted(int schemaVersion, String imageId, DigitImage image, Integer label, String source,
                             String vote, long submittedAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public DigitSubmitted {
        Checks.requiredText(imageId, "imageId");
        Checks.required(image, "image");
        Checks.check(label == null || (label >= 0 && label < 1000), "label must be a class index");
    }
}
