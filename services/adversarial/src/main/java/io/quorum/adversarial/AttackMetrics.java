package io.quorum.adversarial;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.metrics.Metrics;
import io.quorum.vision.attack.AttackReport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The service's robustness metrics: per attack and target model, counters of requests answered, images attacked,
 * successes and crafting queries, and the crafting time per attack call; per attack, model and version the success
 * ratio over the last {@code window} attacked images ({@code quorum_attack_success_ratio}), the live robustness of
 * each served classifier version that red-team requests keep probing.
 */
final class AttackMetrics {

    private record Key(String attack, String model) {
    }

    private record VersionKey(String attack, String model, int version) {
    }

    /** The outcomes of the most recent images, a ring buffer. */
    static final class Window {
        private final boolean[] ring;
        private int next;
        private int size;
        private int successes;

        Window(int capacity) {
            this.ring = new boolean[capacity];
        }

        synchronized void add(boolean success) {
            if (size == ring.length) {
                successes -= ring[next] ? 1 : 0;
            } else {
                size++;
            }
            ring[next] = success;
            successes += success ? 1 : 0;
            next = (next + 1) % ring.length;
        }

        /** Successes among the images in the window; NaN while it is empty. */
        synchronized double ratio() {
            return size == 0 ? Double.NaN : successes / (double) size;
        }

        synchronized int size() {
            return size;
        }
    }

    private final class Meters {
        final Counter requests;
        final Counter images;
        final Counter successes;
        final Counter queries;
        final Timer time;

        Meters(Key k) {
            requests = Counter.builder(Metrics.ATTACKS).tag(Metrics.TAG_ATTACK, k.attack).tag(Metrics.TAG_MODEL, k.model)
                    .description("Attack requests answered").register(registry);
            images = Counter.builder(Metrics.ATTACK_IMAGES).tag(Metrics.TAG_ATTACK, k.attack).tag(Metrics.TAG_MODEL, k.model)
                    .description("Images attacked").register(registry);
            successes = Counter.builder(Metrics.ATTACK_SUCCESSES).tag(Metrics.TAG_ATTACK, k.attack)
                    .tag(Metrics.TAG_MODEL, k.model).description("Adversarials that fooled the target").register(registry);
            queries = Counter.builder(Metrics.ATTACK_QUERIES).tag(Metrics.TAG_ATTACK, k.attack).tag(Metrics.TAG_MODEL, k.model)
                    .description("Model evaluations spent crafting adversarials").register(registry);
            time = Timer.builder(Metrics.ATTACK_TIME).tag(Metrics.TAG_ATTACK, k.attack).tag(Metrics.TAG_MODEL, k.model)
                    .description("Crafting time per attack call").publishPercentileHistogram().register(registry);
        }
    }

    private final MeterRegistry registry;
    private final int window;
    private final Map<Key, Meters> meters = new ConcurrentHashMap<>();
    private final Map<VersionKey, Window> windows = new ConcurrentHashMap<>();
    private final Counter datasets;

    AttackMetrics(MeterRegistry registry, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the success window needs at least 1 image, not " + window);
        }
        this.registry = registry;
        this.window = window;
        this.datasets = Counter.builder(Metrics.ADVERSARIAL_DATASETS).description("Adversarial data sets stored")
                .register(registry);
    }

    /** One attack call: the images of {@code report}, crafted in {@code nanos}, scored on {@code model} v{@code version}. */
    void attacked(String attack, String model, int version, AttackReport report, long nanos) {
        Meters m = meters(attack, model);
        m.time.record(nanos, TimeUnit.NANOSECONDS);
        m.images.increment(report.size());
        Window w = windows.computeIfAbsent(new VersionKey(attack, model, version), k -> {
            Window created = new Window(window);
            Gauge.builder(Metrics.ATTACK_SUCCESS_RATIO, created, Window::ratio).tag(Metrics.TAG_ATTACK, attack)
                    .tag(Metrics.TAG_MODEL, model).tag(Metrics.TAG_VERSION, Integer.toString(version))
                    .description("Successes among the most recent attacked images of this model version").strongReference(true)
                    .register(registry);
            return created;
        });
        long queries = 0;
        int successes = 0;
        for (int i = 0; i < report.size(); i++) {
            AttackReport.Item it = report.item(i);
            w.add(it.success());
            successes += it.success() ? 1 : 0;
            queries += it.queries();
        }
        m.successes.increment(successes);
        m.queries.increment(queries);
    }

    /** A request was answered (whole or stopped early). */
    void completed(String attack, String model) {
        meters(attack, model).requests.increment();
    }

    void datasetStored() {
        datasets.increment();
    }

    /** The success ratio now reported for that version (NaN before any image). */
    double successRatio(String attack, String model, int version) {
        Window w = windows.get(new VersionKey(attack, model, version));
        return w == null ? Double.NaN : w.ratio();
    }

    private Meters meters(String attack, String model) {
        return meters.computeIfAbsent(new Key(attack, model), Meters::new);
    }
}
