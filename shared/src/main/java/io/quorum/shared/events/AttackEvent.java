package io.quorum.shared.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What the adversarial service publishes on {@code quorum.attacks.generated}: one {@link AdversarialGenerated} per
 * attacked image, then one {@link AttackCompleted} per request.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = AdversarialGenerated.class, name = "AdversarialGenerated"),
        @JsonSubTypes.Type(value = AttackCompleted.class, name = "AttackCompleted")
})
public sealed interface AttackEvent extends QuorumEvent permits AdversarialGenerated, AttackCompleted {

    /** The request this answers. */
    String requestId();
}
