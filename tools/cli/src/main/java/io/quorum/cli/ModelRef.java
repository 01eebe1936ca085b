package io.quorum.cli;

/**
 * A model as the command line names it: {@code NAME} (its champion) or {@code NAME:VERSION}.
 *
 * @param version null for the champion
 */
record ModelRef(String name, Integer version) {

    static ModelRef parse(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new IllegalArgumentException("a model is named NAME or NAME:VERSION");
        }
        String r = ref.trim();
        int colon = r.lastIndexOf(':');
        if (colon < 0) {
            return new ModelRef(r, null);
        }
        String v = r.substring(colon + 1);
        try {
            int version = Integer.parseInt(v.startsWith("v") ? v.substring(1) : v);
            if (version < 1 || colon == 0) {
                throw new NumberFormatException();
            }
            return new ModelRef(r.substring(0, colon), version);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + ref + "' is not NAME or NAME:VERSION (a version is a number >= 1)");
        }
    }

    /** How an {@code AttackRequested} names the version: {@code champion} or {@code version:N}. */
    String follow() {
        return version == null ? "champion" : "version:" + version;
    }

    @Override
    public String toString() {
        return version == null ? name : name + ":" + version;
    }
}
