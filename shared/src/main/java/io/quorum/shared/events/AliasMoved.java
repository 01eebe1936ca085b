package io.quorum.shared.events;

/**
 * An alias of a model now points at another version (promotion, rollback). Keyed {@code <name>@<alias>}.
 *
 * @param alias           the alias ({@code champion}, ...)
 * @param version         the version the alias points at from now on
 * @param previousVersion the version it pointed at before, or null
 * @param reason          why (gate passed, manual promotion, rollback, ...)
 * @param movedAt         epoch milliseconds
 */
public record AliasMoved(
        int schemaVersion,
        String name,
        String alias,
        int version,
        Integer previousVersion,
        String reason,
        long movedAt) implements ModelEvent {

    public static final int SCHEMA_VERSION = 1;

    public AliasMoved {
        Checks.requiredText(name, "name");
        Checks.requiredText(alias, "alias");
        Checks.check(version >= 1, "version must be >= 1, got " + version);
    }

    @Override
    public String key() {
        return name + "@" + alias;
    }
}
