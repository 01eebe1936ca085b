package io.quorum.shared.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.metrics.Metrics;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The metrics of one consumed topic and the model that processes it. */
public final class BatchMetrics {

    private final MeterRegistry registry;
    private final String topic;
    private final String model;
    private final Counter ok;
    private final Counter deadLetteredTotal;
    private final Map<RejectReason, Counter> deadLettered = new EnumMap<>(RejectReason.class);
    private final DistributionSummary batchSize;
    private final Map<Integer, Timer> inference = new ConcurrentHashMap<>();
    private final Timer endToEnd;
    private volatile Timer wait;
    private volatile Timer ack;

    public BatchMetrics(MeterRegistry registry, String topic, String model) {
        this.registry = registry;
        this.topic = topic;
        this.model = model;
        this.ok = Counter.builder(Metrics.RECORDS_PROCESSED).tag(Metrics.TAG_TOPIC, topic)
                .tag(Metrics.TAG_OUTCOME, "ok").description("Records consumed and answered").register(registry);
        this.deadLetteredTotal = Counter.builder(Metrics.RECORDS_PROCESSED).tag(Metrics.TAG_TOPIC, topic)
                .tag(Metrics.TAG_OUTCOME, "dead_lettered").description("Records consumed and dead-lettered")
                .register(registry);
        for (RejectReason r : RejectReason.values()) {
            deadLettered.put(r, Counter.builder(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_TOPIC, topic)
                    .tag(Metrics.TAG_REASON, r.name()).description("Records sent to the dead-letter topic, by reason")
                    .register(registry));
        }
        this.batchSize = DistributionSummary.builder(Metrics.BATCH_SIZE).tag(Metrics.TAG_MODEL, model)
                .baseUnit("records").description("Records per inference call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)
                .register(registry);
        this.endToEnd = Timer.builder(Metrics.END_TO_END).tag(Metrics.TAG_TOPIC, topic)
                .description("Input record timestamp to output produced").publishPercentileHistogram()
                .register(registry);
    }

    public void inference(int version, int records, long nanos) {
        batchSize.record(records);
        inference.computeIfAbsent(version, v -> Timer.builder(Metrics.INFERENCE).tag(Metrics.TAG_MODEL, model)
                .tag(Metrics.TAG_VERSION, Integer.toString(v)).description("Inference time per batch")
                .publishPercentileHistogram().register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void result(BatchResult r, long oldestInputTimestamp) {
        result(r.outputs().size(), r.deadLetters(), oldestInputTimestamp);
    }

    /**
     * Counts a batch whose services answer an input record with several outputs (the adversarial service: one
     * request, many adversarials): {@code answered} input records were answered, {@code deadLetters} dead-lettered.
     */
    public void result(int answered, java.util.List<DeadLetter> deadLetters, long oldestInputTimestamp) {
        ok.increment(answered);
        for (DeadLetter d : deadLetters) {
            deadLettered.get(d.reason()).increment();
            deadLetteredTotal.increment();
        }
        if (oldestInputTimestamp > 0 && answered > 0) {
            long lag = System.currentTimeMillis() - oldestInputTimestamp;
            if (lag >= 0) {
                endToEnd.record(lag, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * A batch starts processing: records how long its oldest record waited since it was produced
     * ({@link Metrics#BATCH_WAIT}).
     */
    public void started(long oldestInputTimestamp) {
        if (oldestInputTimestamp <= 0) {
            return;
        }
        long waited = System.currentTimeMillis() - oldestInputTimestamp;
        if (waited >= 0) {
            if (wait == null) {
                wait = Timer.builder(Metrics.BATCH_WAIT).tag(Metrics.TAG_TOPIC, topic)
                        .description("Oldest input record's timestamp to the start of its batch's processing")
                        .publishPercentileHistogram().register(registry);
            }
            wait.record(waited, TimeUnit.MILLISECONDS);
        }
    }

    /** A batch's outputs were all acknowledged {@code nanos} after they were sent ({@link Metrics#OUTPUT_ACK}). */
    public void acknowledged(long nanos) {
        if (ack == null) {
            ack = Timer.builder(Metrics.OUTPUT_ACK).tag(Metrics.TAG_TOPIC, topic)
                    .description("Outputs of a batch sent to all acknowledged by the broker")
                    .publishPercentileHistogram().register(registry);
        }
        ack.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Dead letters counted so far for {@code reason}. */
    public double deadLettered(RejectReason reason) {
        return deadLettered.get(reason).count();
    }

    public String topic() {
        return topic;
    }
}
