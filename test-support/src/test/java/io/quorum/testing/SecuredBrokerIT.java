package io.quorum.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SASL_SSL broker admits the service user and refuses everyone else, the way a Strimzi cluster does. */
class SecuredBrokerIT {

    /** How long a refused client tries: it never hears back, so it can only time out. */
    private static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(3);

    private static SecuredKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = SecuredKafkaBroker.start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void serviceUserCreatesProducesAndConsumesWithTheWrittenPropertiesFile(@TempDir Path tmp) throws Exception {
        // a separate JVM would get only the file: use what it would read
        Path file = broker.writeClientProperties(tmp.resolve("client.properties"));
        Properties fromFile = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            fromFile.load(in);
        }
        assertThat(fromFile).containsAllEntriesOf(broker.clientSettings());
        assertThat(fromFile.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(fromFile.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");

        String topic = "secured-" + System.nanoTime();
        try (Admin admin = Admin.create(withTimeouts(fromFile, Duration.ofSeconds(30)))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(fromFile, Duration.ofSeconds(30)))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Map<String, Object> consumerConf = consumerConfig(fromFile, "secured-it-" + System.nanoTime());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConf)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= 10;
            });
        }
        assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    }

    @Test
    void plaintextClientIsRefused() {
        // the client's bytes are not a TLS handshake: the broker drops the connection, the client never gets metadata
        Map<String, Object> conf = Map.of("bootstrap.servers", broker.bootstrapServers(), "security.protocol", "PLAINTEXT");
        try (Admin admin = Admin.create(withTimeouts(conf, REFUSAL_TIMEOUT))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("Timed out waiting for a node assignment").hasMessageContaining("listTopics");
        }
    }

    @Test
    void tlsWithoutSaslIsRefused() {
        // TLS succeeds, but the listener wants a SASL handshake before any other request: it closes the connection
        try (Admin admin = Admin.create(withTimeouts(broker.tlsOnlySettings(), REFUSAL_TIMEOUT))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("Timed out waiting for a node assignment").hasMessageContaining("listTopics");
        }
    }

    @Test
    void wrongPasswordIsRefused() {
        var wrong = new SecuredKafkaBroker.User(SecuredKafkaBroker.SERVICE_USER, broker.serviceUser().password() + "x");
        try (Admin admin = Admin.create(withTimeouts(broker.clientSettings(wrong), REFUSAL_TIMEOUT))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials");
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(broker.clientSettings(wrong), REFUSAL_TIMEOUT))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("any", "v")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials");
        }
    }

    @Test
    void userWithoutAclsIsDenied() throws Exception {
        String topic = "guarded-" + System.nanoTime();
        try (Admin admin = Admin.create(withTimeouts(broker.clientSettings(), Duration.ofSeconds(30)))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, String> guest = broker.clientSettings(broker.unprivilegedUser());
        try (Admin admin = Admin.create(withTimeouts(guest, Duration.ofSeconds(30)))) {
            // authenticated: the cluster answers, but shows no topics and refuses to create one
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(topic + "-mine", 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(guest, Duration.ofSeconds(10)))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "v")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class)
                    .satisfies(e -> assertThat(((TopicAuthorizationException) e).unauthorizedTopics()).isEqualTo(Set.of(topic)));
        }
    }

    private static Map<String, Object> withTimeouts(Map<?, ?> settings, Duration timeout) {
        Map<String, Object> conf = new HashMap<>();
        settings.forEach((k, v) -> conf.put(k.toString(), v));
        int ms = (int) timeout.toMillis();
        conf.put("request.timeout.ms", Integer.toString(ms));
        conf.put("default.api.timeout.ms", Integer.toString(ms));
        conf.put("reconnect.backoff.ms", "200");
        conf.put("reconnect.backoff.max.ms", "1000");
        return conf;
    }

    private static Map<String, Object> producerConfig(Map<?, ?> settings, Duration timeout) {
        Map<String, Object> conf = withTimeouts(settings, timeout);
        conf.remove("default.api.timeout.ms");
        conf.put("max.block.ms", Long.toString(timeout.toMillis()));
        conf.put("delivery.timeout.ms", Long.toString(timeout.toMillis() + 1000));
        conf.put("linger.ms", "0");
        conf.put("key.serializer", StringSerializer.class.getName());
        conf.put("value.serializer", StringSerializer.class.getName());
        return conf;
    }

    private static Map<String, Object> consumerConfig(Map<?, ?> settings, String group) {
        Map<String, Object> conf = withTimeouts(settings, Duration.ofSeconds(30));
        conf.put("group.id", group);
        conf.put("auto.offset.reset", "earliest");
        conf.put("key.deserializer", StringDeserializer.class.getName());
        conf.put("value.deserializer", StringDeserializer.class.getName());
        return conf;
    }
}
