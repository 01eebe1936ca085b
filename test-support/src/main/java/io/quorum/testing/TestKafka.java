package io.quorum.testing;

import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaSettings;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.Topics;
import java.time.Duration;

/**
 * The one broker of a test JVM, started on first use and stopped at exit: a Testcontainers broker when Docker is
 * available ({@code quorum.test.kafka=container} forces it), otherwise an in-process KRaft broker
 * ({@code quorum.test.kafka=embedded} forces that). Every Quorum topic is created on start.
 */
public final class TestKafka {

    private static KafkaBroker broker;

    private TestKafka() {
    }

    public static synchronized KafkaBroker broker() {
        if (broker == null) {
            String mode = System.getProperty("quorum.test.kafka", System.getenv().getOrDefault("QUORUM_TEST_KAFKA", "auto"));
            boolean container = switch (mode) {
                case "container" -> true;
                case "embedded" -> false;
                default -> ContainerKafkaBroker.dockerAvailable();
            };
            KafkaBroker b = container ? ContainerKafkaBroker.start() : EmbeddedKafkaBroker.start();
            try (TopicAdmin admin = clientsOf(b).topicAdmin()) {
                admin.awaitCluster(Duration.ofSeconds(60));
                admin.ensure(Topics.all());
            } catch (Exception e) {
                b.close();
                throw new IllegalStateException("test broker did not come up: " + e, e);
            }
            System.out.println("[quorum-test] Kafka: " + b.describe());
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "quorum-test-kafka-stop"));
            broker = b;
        }
        return broker;
    }

    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** The client factory for the JVM's broker (owner {@code test}). */
    public static KafkaClients clients() {
        return clientsOf(broker());
    }

    /** The client factory for {@code broker}, with its client settings (security included). */
    public static KafkaClients clientsOf(KafkaBroker broker) {
        return KafkaClients.of(KafkaSettings.of(broker.clientSettings()), "test");
    }
}
