package io.quorum.vision.attack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The attacks known by name, white-box ({@link WhiteBoxAttack}: FGSM, PGD) and black-box ({@link BlackBoxAttack}:
 * the genetic attack, fooling images). What the adversarial service, the CLI and the evaluations look names up in,
 * so a request, a command line and a results table mean the same attack by the same name.
 */
public final class Attacks {

    /** One attack of either kind. */
    public sealed interface Entry permits White, Black {
        String name();
    }

    /** A white-box attack: it needs the target's input gradient. */
    public record White(WhiteBoxAttack attack) implements Entry {
        @Override
        public String name() {
            return attack.name();
        }
    }

    /** A black-box attack: it needs only the target's probabilities. */
    public record Black(BlackBoxAttack attack) implements Entry {
        @Override
        public String name() {
            return attack.name();
        }
    }

    private final Map<String, Entry> byName = new LinkedHashMap<>();

    private Attacks(List<WhiteBoxAttack> white, List<BlackBoxAttack> black) {
        for (WhiteBoxAttack a : white) {
            add(new White(a));
        }
        for (BlackBoxAttack a : black) {
            add(new Black(a));
        }
    }

    private void add(Entry e) {
        if (byName.putIfAbsent(e.name(), e) != null) {
            throw new IllegalArgumentException("two attacks are named " + e.name());
        }
    }

    /**
     * Every attack of this library: {@code fgsm}, {@code pgd}, and the black-box attacks built so far.
     * The genetic attack and fooling images are added here as they land ({@code GeneticAttack}, {@code FoolingImages}).
     */
    public static Attacks standard() {
        return new Attacks(List.of(new Fgsm(), new Pgd()), List.of());
    }

    /** A catalogue of exactly these attacks (tests, tools that add their own). */
    public static Attacks of(List<WhiteBoxAttack> white, List<BlackBoxAttack> black) {
        return new Attacks(white, black);
    }

    /** This catalogue plus {@code black}. */
    public Attacks with(BlackBoxAttack... black) {
        List<WhiteBoxAttack> w = new ArrayList<>();
        List<BlackBoxAttack> b = new ArrayList<>();
        for (Entry e : byName.values()) {
            if (e instanceof White white) {
                w.add(white.attack());
            } else if (e instanceof Black bl) {
                b.add(bl.attack());
            }
        }
        b.addAll(List.of(black));
        return new Attacks(w, b);
    }

    /** The attack called {@code name} (case-insensitive), if known. */
    public Optional<Entry> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(byName.get(name.trim().toLowerCase(java.util.Locale.ROOT)));
    }

    /** The names known, in catalogue order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
