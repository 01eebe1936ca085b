package io.quorum.shared.model;

import io.quorum.shared.events.ModelPublished;
import java.util.Optional;

/**
 * Which version of a model a service serves: the version an alias points at (default {@code champion}), or one
 * pinned version. Parsed from {@code alias:<name>}, {@code version:<n>}, a bare alias or a bare number.
 */
public record ModelSelector(String alias, Integer pinnedVersion) {

    public ModelSelector {
        if ((alias == null) == (pinnedVersion == null)) {
            throw new IllegalArgumentException("exactly one of alias and pinned version");
        }
    }

    public static ModelSelector champion() {
        return alias(RegistryState.ALIAS_CHAMPION);
    }

    public static ModelSelector alias(String alias) {
        return new ModelSelector(alias, null);
    }

    public static ModelSelector pinned(int version) {
        return new ModelSelector(null, version);
    }

    public static ModelSelector parse(String text) {
        String t = text.trim();
        if (t.startsWith("alias:")) {
            return alias(t.substring(6));
        }
        if (t.startsWith("version:")) {
            return pinned(Integer.parseInt(t.substring(8)));
        }
        if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
            return pinned(Integer.parseInt(t));
        }
        return alias(t);
    }

    public Optional<ModelPublished> resolve(RegistryState state, String model) {
        return alias != null ? state.resolve(model, alias) : state.resolve(model, pinnedVersion);
    }

    @Override
    public String toString() {
        return alias != null ? "alias:" + alias : "version:" + pinnedVersion;
    }
}
