package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Train / dev / validation rows: disjoint, covering, deterministic per seed; folds partition the rows. */
class PairSplitsTest {

    private static PairSplits split(int n, Map<String, String> params, long seed) throws JobFailedException {
        return PairSplits.of(n, new JobParams(params), seed);
    }

    private static Set<Integer> set(int[] rows) {
        Set<Integer> s = new HashSet<>();
        Arrays.stream(rows).forEach(s::add);
        return s;
    }

    private static void assertDisjointAndCovering(PairSplits s, int n) {
        Set<Integer> all = new HashSet<>();
        for (int[] part : new int[][] {s.train(), s.dev(), s.validation()}) {
            for (int i : part) {
                assertThat(all.add(i)).as("row %d in two splits", i).isTrue();
            }
        }
        assertThat(all).isEqualTo(set(IntStream.range(0, n).toArray()));
    }

    @Test
    void theSplitsAreDisjointCoverEveryRowAndHaveTheAskedSizes() throws Exception {
        PairSplits s = split(1000, Map.of(), 42);
        assertDisjointAndCovering(s, 1000);
        assertThat(s.validation()).hasSize(200); // 20%
        assertThat(s.dev()).hasSize(80); // 10% of the other 800
        assertThat(s.train()).hasSize(720);

        PairSplits custom = split(1000, Map.of(PairSplits.VALIDATION, "0.5", PairSplits.DEV, "0.2"), 42);
        assertDisjointAndCovering(custom, 1000);
        assertThat(custom.validation()).hasSize(500);
        assertThat(custom.dev()).hasSize(100);
        // a tiny dev fraction still leaves two rows (batch norm and thresholds need both classes a chance)
        assertThat(split(30, Map.of(PairSplits.DEV, "0.01"), 1).dev()).hasSize(2);
        assertThat(PairSplits.of(1000, new JobParams(Map.of()), 42, 0.25).dev()).hasSize(200);
        assertThat(custom.trainAndDev()).containsExactly(IntStream.concat(Arrays.stream(custom.train()),
                Arrays.stream(custom.dev())).toArray());
    }

    @Test
    void aSeedAlwaysGivesTheSameRowsAndAnotherSeedOthers() throws Exception {
        PairSplits a = split(500, Map.of(), 7);
        PairSplits b = split(500, Map.of(), 7);
        assertThat(a.train()).containsExactly(b.train());
        assertThat(a.dev()).containsExactly(b.dev());
        assertThat(a.validation()).containsExactly(b.validation());
        assertThat(split(500, Map.of(), 8).validation()).isNotEqualTo(a.validation());
    }

    @Test
    void theFoldsOfACrossValidationPartitionTheRows() throws Exception {
        int n = 103;
        int folds = 4;
        Set<Integer> validated = new HashSet<>();
        for (int fold = 0; fold < folds; fold++) {
            PairSplits s = split(n, Map.of(PairSplits.FOLD, Integer.toString(fold), PairSplits.FOLDS, Integer.toString(folds)), 42);
            assertDisjointAndCovering(s, n);
            assertThat(s.validation().length).isBetween(n / folds, n / folds + 1);
            for (int i : s.validation()) {
                assertThat(validated.add(i)).as("row %d validated twice", i).isTrue();
            }
        }
        assertThat(validated).hasSize(n);
        assertThatThrownBy(() -> split(n, Map.of(PairSplits.FOLD, "4", PairSplits.FOLDS, "4"), 42))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("fold must be in 0..3");
    }

    @Test
    void aPermutationHoldsEveryIndexOnceAndFollowsItsRandom() {
        int[] p = PairSplits.permutation(50, new Random(3));
        assertThat(p).containsExactlyInAnyOrder(IntStream.range(0, 50).toArray());
        assertThat(p).containsExactly(PairSplits.permutation(50, new Random(3)));
        assertThat(p).isNotEqualTo(IntStream.range(0, 50).toArray());
        assertThat(PairSplits.permutation(0, new Random(3))).isEmpty();
    }
}
