package io.quorum.testing;

/** A real Kafka broker for tests. */
public interface KafkaBroker extends AutoCloseable {

    /** {@code host:port} of the PLAINTEXT listener. */
    String bootstrapServers();

    /** How the broker runs ({@code in-process KRaft}, {@code container ...}). */
    String describe();

    @Override
    void close();
}
