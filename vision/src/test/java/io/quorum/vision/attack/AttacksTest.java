package io.quorum.vision.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.vision.model.Classifier;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Attacks by name: the one catalogue requests, the CLI and evaluations look names up in. */
class AttacksTest {

    static final class Identity implements BlackBoxAttack {
        private final String name;

        Identity(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Outcome run(Classifier model, float[][] images, int[] labels, AttackParams params, Random rnd) {
            return new Outcome(images, new long[images.length]);
        }
    }

    @Test
    void findsAttacksByNameAndKind() {
        Attacks a = Attacks.standard();
        assertThat(a.names()).startsWith("fgsm", "pgd");
        assertThat(a.find("FGSM")).get().isInstanceOf(Attacks.White.class);
        assertThat(a.find(" pgd ")).get().extracting(Attacks.Entry::name).isEqualTo("pgd");
        assertThat(a.find("deepfool")).isEmpty();
        assertThat(a.find(null)).isEmpty();
        Attacks more = a.with(new Identity("identity"));
        assertThat(more.find("identity")).get().isInstanceOf(Attacks.Black.class);
        assertThat(a.find("identity")).as("the original is unchanged").isEmpty();
        assertThatThrownBy(() -> Attacks.of(List.of(new Fgsm()), List.of(new Identity("fgsm"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two attacks");
    }
}
