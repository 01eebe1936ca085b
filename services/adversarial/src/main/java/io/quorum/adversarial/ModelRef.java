package io.quorum.adversarial;

import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.model.ModelSelector;
import java.util.regex.Pattern;

/** A model a request names: its registry name and which version (an alias such as {@code champion}, or a pinned one). */
record ModelRef(String name, ModelSelector selector) {

    /** Registry names, as the model store allows them (so a name can never address a path outside the cache). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** The target of a request: {@code model} and {@code follow} ({@code champion}, {@code alias:x}, {@code version:N}). */
    static ModelRef of(String model, String follow) throws InvalidEventException {
        return new ModelRef(name(model), selector(follow == null || follow.isBlank() ? "champion" : follow, "follow"));
    }

    /** A transfer source: {@code name} (its champion), {@code name:N} or {@code name:alias}. */
    static ModelRef parseSource(String text) throws InvalidEventException {
        String t = text.trim();
        int colon = t.indexOf(':');
        return colon < 0 ? new ModelRef(name(t), ModelSelector.champion())
                : new ModelRef(name(t.substring(0, colon)), selector(t.substring(colon + 1), "sourceModel"));
    }

    private static String name(String name) throws InvalidEventException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, "'" + name + "' is not a model name (lower-case"
                    + " letters, digits, '.', '_' and '-', at most 64)");
        }
        return name;
    }

    private static ModelSelector selector(String text, String field) throws InvalidEventException {
        try {
            ModelSelector s = ModelSelector.parse(text);
            if (s.pinnedVersion() != null && s.pinnedVersion() < 1 || s.alias() != null && s.alias().isBlank()) {
                throw new IllegalArgumentException("empty alias or version below 1");
            }
            return s;
        } catch (RuntimeException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, field + " '" + text
                    + "' is neither an alias nor version:N (" + e.getMessage() + ")");
        }
    }

    @Override
    public String toString() {
        return name + " (" + selector + ")";
    }
}
