package io.quorum.adversarial;

import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.kafka.InRecord;
import io.quorum.vision.attack.AttackParams;
import java.nio.file.Path;

/**
 * An attack request that passed every check that needs no model.
 *
 * @param attack  the attack the request names
 * @param params  its parsed parameters
 * @param target  the model the adversarials are scored on
 * @param source  transfer: the model they are crafted on; null crafts on the target
 * @param image   single-image mode: the clean image, flattened, in [0, 1]; null otherwise
 * @param label   its true class (single-image mode)
 * @param dataset data-set mode: the set to attack; null otherwise
 * @param limit   data-set mode: most images to attack (the first ones), or -1 for the whole set
 */
record Job(InRecord record, AttackRequested request, AttackCatalog.Kind attack, AttackParams params, ModelRef target,
           ModelRef source, float[] image, Integer label, Dataset dataset, int limit) {

    /** What a request attacks. */
    enum Mode {
        /** One inline image with its label. */
        IMAGE,
        /** A whole IDX data set, stored as an adversarial data set. */
        DATASET,
        /** Fooling images evolved from noise: one per class, or one for {@code target}. */
        NOISE
    }

    /**
     * A data set a request names, confined to the data directory.
     *
     * @param reference as the request gave it ({@code mnist}, {@code fashion-mnist:test}, {@code IMAGES|LABELS})
     * @param images    the IDX image file (real path inside the data directory)
     * @param labels    the IDX label file
     * @param slug      the reference as a store-name part ({@code mnist}, {@code fashion-mnist-test}, {@code files-1a2b3c4d})
     * @param names     the two files relative to the data directory, as cards name them (no machine path)
     */
    record Dataset(String reference, Path images, Path labels, String slug, java.util.List<String> names) {
    }

    Mode mode() {
        return dataset != null ? Mode.DATASET : image != null ? Mode.IMAGE : Mode.NOISE;
    }

    String requestId() {
        return request.requestId();
    }

    /** The model the adversarials are crafted on: the source for transfer, else the target. */
    ModelRef craft() {
        return source != null ? source : target;
    }
}
