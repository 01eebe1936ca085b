package io.quorum.shared.events;

/** Every record on a Quorum topic: immutable, JSON on the wire, versioned by {@link #schemaVersion()}. */
public interface QuorumEvent {

    /** The wire-format version this record was written with. */
    int schemaVersion();
}
