package io.quorum.shared.events;

import java.util.Map;

/**
 * A request is done ({@code quorum.attacks.generated}, after its {@link AdversarialGenerated} records). Keyed by
 * {@code requestId}.
 *
 * @param attacked             images attacked
 * @param successes            of which the attack succeeded
 * @param accuracyBefore       the target's accuracy on the clean images (NaN for fooling)
 * @param accuracyAfter        its accuracy on the adversarial images
 * @param meanLinf             mean L-inf size of the perturbations
 * @param meanQueries          mean model evaluations per image
 * @param dataset              data-set mode: the stored adversarial data set ({@code name}, {@code version},
 *                             {@code uri} of its IDX images and labels, {@code sha256}); null otherwise
 * @param error                why the request stopped early (the rest of its images were not attacked); null when whole
 */
public record AttackCompleted(int schemaVersion, String requestId, String attack, Map<String, String> params,
                              int attacked, int successes, double accuracyBefore, double accuracyAfter, double meanLinf,
                              double meanQueries, String model, int modelVersion, String sourceModel, int sourceVersion,
                              Map<String, String> dataset, String error, long durationMillis, long completedAt)
        implements AttackEvent {

    public static final int SCHEMA_VERSION = 1;

    /** {@code dataset} key: the store name of the adversarial data set ({@code adv-mnist-fgsm}). */
    public static final String DATASET_NAME = "name";
    /** {@code dataset} key: its version in the store. */
    public static final String DATASET_VERSION = "version";
    /** {@code dataset} key: URI of the IDX image file. */
    public static final String DATASET_IMAGES = "images";
    /** {@code dataset} key: URI of the IDX label file. */
    public static final String DATASET_LABELS = "labels";
    /** {@code dataset} key: URI of the JSON card (lineage: models, attack, parameters, counts, accuracies). */
    public static final String DATASET_CARD = "card";
    /** Suffix of the SHA-256 keys: {@code images.sha256}, {@code labels.sha256}, {@code card.sha256}. */
    public static final String SHA256_SUFFIX = ".sha256";

    public AttackCompleted {
        Checks.requiredText(requestId, "requestId");
        params = params == null ? Map.of() : Map.copyOf(params);
    }
}
