package io.quorum.shared.events;

import java.util.Map;

/**
 * One adversarial instance ({@code quorum.attacks.generated}). Keyed by {@code requestId}.
 *
 * @param sourceId          the attacked image: the request's image id or {@code <dataset>#<index>}
 * @param index             position in the request (0 for a single image)
 * @param image             the perturbed image, exact float32 in [0, 1]
 * @param label             the true class (null for fooling images)
 * @param linf              L-inf size of the perturbation (max |x' - x|)
 * @param l2                L2 size of the perturbation
 * @param predictionBefore  the target's class on the clean image (-1 for fooling images, which start from noise)
 * @param confidenceBefore  its probability
 * @param predictionAfter   the target's class on the adversarial image
 * @param confidenceAfter   its probability
 * @param success           untargeted: the prediction is no longer the label; targeted / fooling: the target class is
 *                          predicted (fooling: with the requested confidence)
 * @param queries           model evaluations used (gradient or probability calls, counted per image)
 * @param model             target model name and {@code modelVersion} the adversarial was scored on
 * @param sourceModel       the model it was crafted on (transfer), with {@code sourceVersion}; the target otherwise
 */
public record AdversarialGenerated(int schemaVersion, String requestId, String sourceId, int index, String attack,
                                   Map<String, String> params, DigitImage image, Integer label, double linf, double l2,
                                   int predictionBefore, double confidenceBefore, int predictionAfter,
                                   double confidenceAfter, boolean success, long queries, String model, int modelVersion,
                                   String sourceModel, int sourceVersion, long generatedAt) implements AttackEvent {

    public static final int SCHEMA_VERSION = 1;

    public AdversarialGenerated {
        Checks.requiredText(requestId, "requestId");
        Checks.required(image, "image");
        params = params == null ? Map.of() : Map.copyOf(params);
    }
}
