package io.quorum.training.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A job's parameters: the request's strings, read with typed getters and defaults. Every value read (default or
 * given) is recorded, so the model card lists the exact hyper-parameters used; unknown names are an error.
 */
public final class JobParams {

    private final Map<String, String> given;
    private final Map<String, String> used = new TreeMap<>();

    public JobParams(Map<String, String> given) {
        this.given = Map.copyOf(given);
    }

    /** Fails when a parameter is not one of {@code known}. */
    public void requireKnown(Set<String> known, String job) throws JobFailedException {
        for (String k : given.keySet()) {
            if (!known.contains(k)) {
                throw new JobFailedException("unknown parameter '" + k + "' for job " + job + "; known: " + new TreeMap<>(
                        known.stream().collect(java.util.stream.Collectors.toMap(x -> x, x -> ""))).keySet());
            }
        }
    }

    public String string(String name, String def) {
        String v = given.getOrDefault(name, def);
        if (v != null) {
            used.put(name, v);
        }
        return v;
    }

    public int integer(String name, int def) throws JobFailedException {
        String v = string(name, Integer.toString(def));
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new JobFailedException("parameter " + name + " must be an integer, got '" + v + "'");
        }
    }

    public double number(String name, double def) throws JobFailedException {
        String v = string(name, Double.toString(def));
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new JobFailedException("parameter " + name + " must be a number, got '" + v + "'");
        }
    }

    public boolean bool(String name, boolean def) throws JobFailedException {
        String v = string(name, Boolean.toString(def)).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new JobFailedException("parameter " + name + " must be true or false, got '" + v + "'");
        };
    }

    public String oneOf(String name, String def, String... allowed) throws JobFailedException {
        String v = string(name, def).trim().toLowerCase(java.util.Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                used.put(name, v);
                return v;
            }
        }
        throw new JobFailedException("parameter " + name + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    public boolean has(String name) {
        return given.containsKey(name);
    }

    /** Every parameter read so far with the value used. */
    public Map<String, String> used() {
        return new LinkedHashMap<>(used);
    }

    public Map<String, String> given() {
        return given;
    }
}
