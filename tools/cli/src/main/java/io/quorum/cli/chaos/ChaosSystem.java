package io.quorum.cli.chaos;

import io.quorum.shared.kafka.KafkaClients;

/**
 * The system a chaos run acts on: the local system of {@code ./quorum up} ({@link LocalSystem}) or, in the tests,
 * services and brokers started by the test. Every fault is followed by the repair a supervisor (Kubernetes, systemd)
 * would make: the killed process is started again.
 */
public interface ChaosSystem {

    /** Clients for the system's cluster. */
    KafkaClients clients();

    /** Kills one broker with SIGKILL; returns when the process is gone. */
    void killBroker() throws Exception;

    /** Starts the killed broker again; returns when it serves. */
    void restartBroker() throws Exception;

    /** Kills {@code service} (every instance of it this system started) with SIGKILL. */
    void killService(String service) throws Exception;

    /** Starts {@code service} again; returns when it is ready. */
    void restartService(String service) throws Exception;

    /** Starts one more instance of {@code service} in its consumer group; closing it stops it gracefully. */
    AutoCloseable startExtraInstance(String service) throws Exception;

    /**
     * Publishes a new version of {@code model} (the champion's artifacts again) as champion; returns its version.
     */
    int hotSwap(String model) throws Exception;

    /** Brokers, replication, where it runs: for the report. */
    String describe();
}
