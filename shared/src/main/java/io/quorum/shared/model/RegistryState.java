package io.quorum.shared.model;

import io.quorum.shared.events.AliasMoved;
import io.quorum.shared.events.ModelEvent;
import io.quorum.shared.events.ModelPublished;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The model registry as of some offset of {@code quorum.models}: every published version per model and where each
 * alias points. Immutable; {@link #apply(ModelEvent)} returns a new state.
 */
public final class RegistryState {

    /** Lifecycle state of a version, derived from the aliases. */
    public enum VersionState {
        /** Published, never champion. */
        CANDIDATE,
        /** The {@code champion} alias points here. */
        CHAMPION,
        /** Was champion before, no longer is. */
        RETIRED
    }

    /** Everything the registry knows about one model name. */
    public record ModelHistory(String name, NavigableMap<Integer, ModelPublished> versions,
                               Map<String, Integer> aliases, List<Integer> championHistory) {

        public Optional<ModelPublished> version(int v) {
            return Optional.ofNullable(versions.get(v));
        }

        public Optional<ModelPublished> alias(String alias) {
            Integer v = aliases.get(alias);
            return v == null ? Optional.empty() : version(v);
        }

        public Optional<ModelPublished> latest() {
            return versions.isEmpty() ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
        }

        public VersionState state(int version) {
            Integer champion = aliases.get(ALIAS_CHAMPION);
            if (champion != null && champion == version) {
                return VersionState.CHAMPION;
            }
            return championHistory.contains(version) ? VersionState.RETIRED : VersionState.CANDIDATE;
        }
    }

    /** The alias serving services follow by default. */
    public static final String ALIAS_CHAMPION = "champion";
    /** The alias a version gets when it is published without passing a promotion gate. */
    public static final String ALIAS_CANDIDATE = "candidate";

    private static final RegistryState EMPTY = new RegistryState(Map.of(), 0);

    private final Map<String, ModelHistory> models;
    private final long eventsApplied;

    private RegistryState(Map<String, ModelHistory> models, long eventsApplied) {
        this.models = models;
        this.eventsApplied = eventsApplied;
    }

    public static RegistryState empty() {
        return EMPTY;
    }

    /** The number of events folded into this state. */
    public long eventsApplied() {
        return eventsApplied;
    }

    public Optional<ModelHistory> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public Map<String, ModelHistory> models() {
        return models;
    }

    /** The version {@code alias} of {@code name} points at, if any. */
    public Optional<ModelPublished> resolve(String name, String alias) {
        return model(name).flatMap(h -> h.alias(alias));
    }

    /** Version {@code version} of {@code name}, if published. */
    public Optional<ModelPublished> resolve(String name, int version) {
        return model(name).flatMap(h -> h.version(version));
    }

    /** This state with {@code event} applied. */
    public RegistryState apply(ModelEvent event) {
        ModelHistory old = models.get(event.name());
        TreeMap<Integer, ModelPublished> versions = old == null ? new TreeMap<>() : new TreeMap<>(old.versions());
        Map<String, Integer> aliases = old == null ? new LinkedHashMap<>() : new LinkedHashMap<>(old.aliases());
        List<Integer> championHistory = old == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(old.championHistory());
        String alias = null;
        int version = 0;
        if (event instanceof ModelPublished p) {
            versions.put(p.version(), p);
            alias = p.alias();
            version = p.version();
        } else if (event instanceof AliasMoved m) {
            alias = m.alias();
            version = m.version();
        }
        if (alias != null && !alias.isBlank()) {
            aliases.put(alias, version);
            if (ALIAS_CHAMPION.equals(alias) && !championHistory.contains(version)) {
                championHistory.add(version);
            }
        }
        Map<String, ModelHistory> next = new TreeMap<>(models);
        next.put(event.name(), new ModelHistory(event.name(), Collections.unmodifiableNavigableMap(versions),
                Collections.unmodifiableMap(aliases), List.copyOf(championHistory)));
        return new RegistryState(Collections.unmodifiableMap(next), eventsApplied + 1);
    }
}
