package io.quorum.vision.attack;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of an attack, parsed and checked from the strings a request carries. Every attack reads the ones it
 * needs; a value out of range is an {@link IllegalArgumentException} naming the parameter (the adversarial service
 * dead-letters such a request).
 *
 * @param eps          L-inf budget: no pixel moves further than this from the clean image (0, 1]
 * @param steps        PGD iterations
 * @param stepSize     PGD step per iteration (default {@code 2.5 * eps / steps}, Madry et al.)
 * @param randomStart  PGD starts at a uniform random point of the eps ball
 * @param target       targeted attacks: the class to reach (-1: untargeted)
 * @param population   genetic attack: candidates per generation
 * @param generations  genetic and fooling attacks: most generations
 * @param maxQueries   black-box attacks: most model evaluations per image
 * @param confidence   fooling images: the probability the target class must reach
 * @param mutation     genetic attack: probability that a pixel mutates
 */
public record AttackParams(double eps, int steps, double stepSize, boolean randomStart, int target, int population,
                           int generations, long maxQueries, double confidence, double mutation) {

    public AttackParams {
        require(eps > 0 && eps <= 1, "eps", eps, "in (0, 1]");
        require(steps >= 1 && steps <= 1000, "steps", steps, "in 1..1000");
        require(stepSize > 0 && stepSize <= 1, "step-size", stepSize, "in (0, 1]");
        require(target >= -1 && target < 1000, "target", target, "a class index or -1");
        require(population >= 2 && population <= 1000, "population", population, "in 2..1000");
        require(generations >= 1 && generations <= 100_000, "generations", generations, "in 1..100000");
        require(maxQueries >= 1 && maxQueries <= 10_000_000, "max-queries", maxQueries, "in 1..10000000");
        require(confidence > 0 && confidence < 1, "confidence", confidence, "in (0, 1)");
        require(mutation > 0 && mutation <= 1, "mutation", mutation, "in (0, 1]");
    }

    /** Parses {@code params}; unknown keys are refused (a typo must not silently run another attack). */
    public static AttackParams parse(Map<String, String> params) {
        Map<String, String> p = new LinkedHashMap<>(params);
        double eps = number(p.remove("eps"), 0.3, "eps");
        int steps = (int) number(p.remove("steps"), 40, "steps");
        String ss = p.remove("step-size");
        double stepSize = ss == null ? Math.min(1, 2.5 * eps / steps) : number(ss, 0, "step-size");
        String rs = p.remove("random-start");
        boolean randomStart = rs == null || bool(rs, "random-start");
        int target = (int) number(p.remove("target"), -1, "target");
        int population = (int) number(p.remove("population"), 6, "population");
        int generations = (int) number(p.remove("generations"), 1000, "generations");
        long maxQueries = (long) number(p.remove("max-queries"), 10_000, "max-queries");
        double confidence = number(p.remove("confidence"), 0.99, "confidence");
        double mutation = number(p.remove("mutation"), 0.05, "mutation");
        p.remove("limit"); // data-set mode: how many images, read by the service
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("unknown attack parameter(s) " + p.keySet() + "; known: eps, steps, step-size, "
                    + "random-start, target, population, generations, max-queries, confidence, mutation, limit");
        }
        return new AttackParams(eps, steps, stepSize, randomStart, target, population, generations, maxQueries,
                confidence, mutation);
    }

    /** The defaults: eps 0.3, PGD 40 steps of 2.5 eps / 40 from a random start, untargeted. */
    public static AttackParams defaults() {
        return parse(Map.of());
    }

    public AttackParams withEps(double newEps) {
        return new AttackParams(newEps, steps, Math.min(1, 2.5 * newEps / steps), randomStart, target, population,
                generations, maxQueries, confidence, mutation);
    }

    public AttackParams withSteps(int newSteps, double newStepSize) {
        return new AttackParams(eps, newSteps, newStepSize, randomStart, target, population, generations, maxQueries,
                confidence, mutation);
    }

    public boolean targeted() {
        return target >= 0;
    }

    private static double number(String v, double dflt, String name) {
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("attack parameter " + name + " must be finite, not " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attack parameter " + name + " must be a number, not '" + v + "'");
        }
    }

    private static boolean bool(String v, String name) {
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("attack parameter " + name + " must be true or false, not '" + v + "'");
        };
    }

    private static void require(boolean ok, String name, Object value, String range) {
        if (!ok) {
            throw new IllegalArgumentException("attack parameter " + name + " = " + value + " is out of range: " + range);
        }
    }
}
