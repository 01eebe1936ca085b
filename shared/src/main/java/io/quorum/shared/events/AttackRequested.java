package io.quorum.shared.events;

import java.util.Map;

/**
 * Someone asks the adversarial service to attack a model ({@code quorum.attacks.requested}). Keyed by
 * {@code requestId}. Either one {@code image} (with its {@code label}) or a {@code dataset} reference is given.
 *
 * @param requestId    unique id chosen by the requester; outputs carry it
 * @param model        registry name of the target model ({@code digit-classifier}, an ensemble...)
 * @param follow       which version: an alias ({@code champion}, the default) or {@code version:N}
 * @param attack       {@code fgsm}, {@code pgd}, {@code genetic} or {@code fooling}
 * @param params       the attack's parameters as strings ({@code eps}, {@code steps}, {@code step-size},
 *                     {@code random-start}, {@code target}, {@code population}, {@code generations}, {@code max-queries},
 *                     {@code confidence}, {@code limit}); each attack documents its own
 * @param image        one image to attack (28x28, intensities in [0, 1])
 * @param label        the image's true class (required with {@code image} for all but {@code fooling})
 * @param dataset      data-set mode: an IDX data set to attack whole ({@code mnist}, {@code fashion-mnist:test},
 *                     or {@code images.idx.gz|labels.idx.gz} paths relative to the data directory)
 * @param sourceModel  transfer: craft the adversarials on this model ({@code name} or {@code name:version}) and score
 *                     them on the target (the Szegedy notes' generality claim); null crafts on the target itself
 * @param redTeam      also publish every adversarial onto {@code quorum.digits}, the input the classifiers serve
 * @param requestedBy  who asked
 * @param requestedAt  epoch milliseconds
 */
public record AttackRequested(int schemaVersion, String requestId, String model, String follow, String attack,
                              Map<String, String> params, DigitImage image, Integer label, String dataset,
                              String sourceModel, boolean redTeam, String requestedBy, long requestedAt)
        implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public AttackRequested {
        Checks.requiredText(requestId, "requestId");
        Checks.requiredText(model, "model");
        Checks.requiredText(attack, "attack");
        params = params == null ? Map.of() : Map.copyOf(params);
        follow = follow == null || follow.isBlank() ? "champion" : follow;
        Checks.check(image != null || (dataset != null && !dataset.isBlank()) || attack.equals("fooling"),
                "a request attacks an 'image' or a 'dataset'");
        Checks.check(image == null || dataset == null, "a request has an 'image' or a 'dataset', not both");
    }
}
