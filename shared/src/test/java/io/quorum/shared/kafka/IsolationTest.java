package io.quorum.shared.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IsolationTest {

    @Test
    void isolatesThePoisonousItemsAndKeepsOrder() {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            items.add(i);
        }
        AtomicInteger calls = new AtomicInteger();
        List<Integer> failed = new ArrayList<>();
        List<Integer> out = Isolation.run(items, batch -> {
            calls.incrementAndGet();
            if (batch.contains(13) || batch.contains(77)) {
                throw new IllegalStateException("poison");
            }
            return batch.stream().map(i -> i * 2).toList();
        }, (item, e) -> failed.add(item));
        assertThat(failed).containsExactly(13, 77);
        assertThat(out).hasSize(100);
        assertThat(out.get(13)).isNull();
        assertThat(out.get(12)).isEqualTo(24);
        assertThat(out.get(99)).isEqualTo(198);
        assertThat(calls.get()).isLessThan(40);
    }

    @Test
    void oneCallWhenNothingFails() {
        AtomicInteger calls = new AtomicInteger();
        Isolation.run(List.of(1, 2, 3), b -> {
            calls.incrementAndGet();
            return b;
        }, (i, e) -> { });
        assertThat(calls.get()).isEqualTo(1);
    }
}
