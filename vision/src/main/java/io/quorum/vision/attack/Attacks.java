package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;
import io.quorum.vision.model.GradientClassifier;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The attacks by name, shared by the adversarial service and the CLI: {@code fgsm} and {@code pgd} (white-box: they
 * need the model's input gradient), {@code genetic} and {@code fooling} (black-box: probabilities only).
 */
public final class Attacks {

    /** Every attack name, white-box ones first. */
    public static final List<String> NAMES = List.of("fgsm", "pgd", "genetic", "fooling");

    private Attacks() {
    }

    /** Whether {@code name} is an attack this library runs. */
    public static boolean isKnown(String name) {
        return NAMES.contains(normal(name));
    }

    /** Whether {@code name} needs the model's gradient ({@code fgsm}, {@code pgd}). */
    public static boolean isWhiteBox(String name) {
        String n = normal(name);
        return n.equals("fgsm") || n.equals("pgd");
    }

    /** Whether {@code name} only queries probabilities ({@code genetic}, {@code fooling}). */
    public static boolean isBlackBox(String name) {
        String n = normal(name);
        return n.equals("genetic") || n.equals("fooling");
    }

    /** A new white-box attack; {@link IllegalArgumentException} for any other name. */
    public static WhiteBoxAttack whiteBox(String name) {
        return switch (normal(name)) {
            case "fgsm" -> new Fgsm();
            case "pgd" -> new Pgd();
            default -> throw unknown(name, "white-box attack", "fgsm, pgd");
        };
    }

    /** A new black-box attack; {@link IllegalArgumentException} for any other name. */
    public static BlackBoxAttack blackBox(String name) {
        return switch (normal(name)) {
            case "genetic" -> new GeneticAttack();
            case "fooling" -> new FoolingImages();
            default -> throw unknown(name, "black-box attack", "genetic, fooling");
        };
    }

    /**
     * Runs attack {@code name} on {@code model}. A white-box attack needs a {@link GradientClassifier}; asked of a model
     * without one it is an {@link IllegalArgumentException} (a black-box target).
     */
    public static Outcome run(String name, Classifier model, float[][] images, int[] labels, AttackParams params, Random rnd) {
        if (isWhiteBox(name)) {
            if (!(model instanceof GradientClassifier g)) {
                throw new IllegalArgumentException("white-box attack " + normal(name) + " needs the model's input gradient, "
                        + "and this model has none (attack it as a black box: genetic)");
            }
            return whiteBox(name).run(g, images, labels, params, rnd);
        }
        return blackBox(name).run(model, images, labels, params, rnd);
    }

    private static String normal(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknown(String name, String kind, String known) {
        return new IllegalArgumentException("'" + name + "' is not a " + kind + "; known: " + known
                + (isKnown(name) ? "" : " (all attacks: " + String.join(", ", NAMES) + ")"));
    }
}
