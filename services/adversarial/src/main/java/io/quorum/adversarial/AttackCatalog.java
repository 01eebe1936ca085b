package io.quorum.adversarial;

import io.quorum.vision.attack.Attacks;
import io.quorum.vision.attack.BlackBoxAttack;
import io.quorum.vision.attack.WhiteBoxAttack;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The attacks this service runs, by the names requests carry: the vision library's ({@link Attacks}: {@code fgsm},
 * {@code pgd}, {@code genetic}, {@code fooling}), plus any added with {@link #with} (tests add attacks that misbehave
 * on purpose). A name means the same attack here as in the CLI's in-process evaluation.
 */
final class AttackCatalog {

    /** One attack: white-box (needs the crafting model's {@code gradient.onnx}) or black-box (probabilities only). */
    record Kind(String name, WhiteBoxAttack white, BlackBoxAttack black) {
        Kind {
            if ((white == null) == (black == null)) {
                throw new IllegalArgumentException("an attack is white-box or black-box");
            }
        }

        boolean whiteBox() {
            return white != null;
        }
    }

    private final Map<String, BlackBoxAttack> extra;

    private AttackCatalog(Map<String, BlackBoxAttack> extra) {
        this.extra = Map.copyOf(extra);
    }

    /** The library's attacks. */
    static AttackCatalog standard() {
        return new AttackCatalog(Map.of());
    }

    /** These attacks plus {@code more} (a name already known is replaced). */
    AttackCatalog with(BlackBoxAttack... more) {
        Map<String, BlackBoxAttack> m = new LinkedHashMap<>(extra);
        for (BlackBoxAttack a : more) {
            m.put(normal(a.name()), a);
        }
        return new AttackCatalog(m);
    }

    /** The attack called {@code name} (case and surrounding blanks ignored), if this service runs it. */
    Optional<Kind> find(String name) {
        String n = normal(name);
        BlackBoxAttack added = extra.get(n);
        if (added != null) {
            return Optional.of(new Kind(n, null, added));
        }
        if (Attacks.isWhiteBox(n)) {
            return Optional.of(new Kind(n, Attacks.whiteBox(n), null));
        }
        if (Attacks.isBlackBox(n)) {
            return Optional.of(new Kind(n, null, Attacks.blackBox(n)));
        }
        return Optional.empty();
    }

    /** Every name this service runs. */
    List<String> names() {
        List<String> n = new ArrayList<>(Attacks.NAMES);
        extra.keySet().stream().filter(k -> !n.contains(k)).forEach(n::add);
        return n;
    }

    private static String normal(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }
}
