package io.quorum.shared.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Runs a batch function and, if it throws, bisects the batch to isolate the items that make it fail, so one
 * poisonous record costs only itself (it is dead-lettered) and the rest of the batch is still answered.
 */
public final class Isolation {

    private Isolation() {
    }

    /**
     * Applies {@code batchFn} to {@code items}; results are returned in input order, with null for items that
     * failed alone (each reported to {@code onFailure}).
     */
    public static <T, R> List<R> run(List<T> items, Function<List<T>, List<R>> batchFn, BiConsumer<T, Exception> onFailure) {
        List<R> out = new ArrayList<>(items.size());
        runInto(items, batchFn, onFailure, out);
        return out;
    }

    private static <T, R> void runInto(List<T> items, Function<List<T>, List<R>> batchFn,
                                       BiConsumer<T, Exception> onFailure, List<R> out) {
        if (items.isEmpty()) {
            return;
        }
        try {
            List<R> results = batchFn.apply(items);
            if (results.size() != items.size()) {
                throw new IllegalStateException("batch function returned " + results.size() + " results for "
                        + items.size() + " items");
            }
            out.addAll(results);
        } catch (RuntimeException e) {
            if (items.size() == 1) {
                onFailure.accept(items.get(0), e);
                out.add(null);
                return;
            }
            int mid = items.size() / 2;
            runInto(items.subList(0, mid), batchFn, onFailure, out);
            runInto(items.subList(mid, items.size()), batchFn, onFailure, out);
        }
    }
}
