package io.quorum.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** A Kafka broker in a Docker container (Testcontainers), used when a Docker daemon answers. */
public final class ContainerKafkaBroker implements KafkaBroker {

    /** The Apache Kafka image, same major version as the client libraries. */
    public static final String IMAGE = "apache/kafka:4.1.1";

    private final KafkaContainer container;

    private ContainerKafkaBroker(KafkaContainer container) {
        this.container = container;
    }

    /** True when Testcontainers finds a working Docker daemon. */
    public static boolean dockerAvailable() {
        // cheap pre-check: without a socket or DOCKER_HOST there is nothing to ask (and Testcontainers logs errors)
        String host = System.getenv("DOCKER_HOST");
        if ((host == null || host.isBlank()) && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    public static ContainerKafkaBroker start() {
        KafkaContainer c = new KafkaContainer(IMAGE);
        c.start();
        return new ContainerKafkaBroker(c);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String describe() {
        return "container " + IMAGE + " at " + bootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
