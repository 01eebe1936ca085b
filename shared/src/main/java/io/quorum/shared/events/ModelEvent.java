package io.quorum.shared.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What happens on the compacted {@code quorum.models} topic: a version is published, or an alias moves.
 * The registry state is the fold of these events in offset order (the topic has one partition).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ModelPublished.class, name = "ModelPublished"),
        @JsonSubTypes.Type(value = AliasMoved.class, name = "AliasMoved")
})
public sealed interface ModelEvent extends QuorumEvent permits ModelPublished, AliasMoved {

    /** The model name. */
    String name();

    /** The Kafka key; compaction keeps the latest event per key. */
    String key();
}
