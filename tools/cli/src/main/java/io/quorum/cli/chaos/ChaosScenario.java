package io.quorum.cli.chaos;

import java.util.Arrays;
import java.util.Locale;

/** What is done to the running system while identified pairs flow through it. */
public enum ChaosScenario {
    /** {@code kill -9} of a Kafka broker mid-stream, then restart it. */
    BROKER_KILL("kill -9 of a Kafka broker mid-stream, restarted at once"),
    /** {@code kill -9} of pair-scoring mid-batch, then restart it. */
    SCORING_KILL("kill -9 of pair-scoring mid-batch, restarted at once"),
    /** {@code kill -9} of embedding mid-batch, then restart it. */
    EMBEDDING_KILL("kill -9 of embedding mid-batch, restarted at once"),
    /** A second pair-scoring instance joins the consumer group under load, then leaves it (rebalances). */
    REBALANCE("a second pair-scoring instance joins the group under load, then leaves"),
    /** A new version of the model scoring the pairs is published as champion under load (hot swap). */
    HOT_SWAP("a new version of the serving pair model is published under load (hot swap)");

    private final String description;

    ChaosScenario(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** {@code broker-kill}, {@code scoring-kill}... */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static ChaosScenario parse(String id) {
        return Arrays.stream(values()).filter(s -> s.id().equals(id.trim().toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + id + "'; known: "
                        + Arrays.stream(values()).map(ChaosScenario::id).toList()));
    }
}
