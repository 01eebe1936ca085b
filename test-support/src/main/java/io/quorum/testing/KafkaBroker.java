package io.quorum.testing;

/** A real Kafka broker for tests. */
public interface KafkaBroker extends AutoCloseable {

    /** {@code host:port} of the PLAINTEXT listener. */
    String bootstrapServers();

    /**
     * The client settings a client needs for this broker: {@code bootstrap.servers} and, for a secured broker, its
     * security settings (protocol, SASL, trust store).
     */
    default java.util.Map<String, String> clientSettings() {
        return java.util.Map.of("bootstrap.servers", bootstrapServers());
    }

    /** How the broker runs ({@code in-process KRaft}, {@code container ...}). */
    String describe();

    @Override
    void close();
}
