package io.quorum.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.quorum.cli.QuorumCli;
import io.quorum.cli.chaos.Republish;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.events.QuestionPosted;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaSettings;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.SecuredKafkaBroker;
import io.quorum.testing.ServiceLauncher;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The duplicate-question pipeline on a broker that requires SASL_SSL (SCRAM-SHA-512 over TLS, ACLs), as on a Strimzi
 * cluster: the only way in is the Kafka client properties file every process gets ({@code quorum.kafka.config-file}
 * for the services, {@code --kafka-config} for the CLI). Topics are created and the default models published by the
 * CLI over SASL_SSL; embedding and pair-scoring run as their own JVMs; pairs in, scores out; a question finds its
 * duplicate; a new model version is published and hot-swapped; every hand-built client exports its metrics; clients
 * without credentials, with a wrong password or without ACLs are refused; no secret reaches a log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredPipelineIT {

    static SecuredKafkaBroker broker;
    static KafkaClients clients;
    static Path clientFile;
    static ServiceLauncher embedding;
    static ServiceLauncher scoring;

    @BeforeAll
    static void start() throws Exception {
        broker = SecuredKafkaBroker.start();
        clients = KafkaClients.of(KafkaSettings.of(broker.clientSettings()), "secured-it");
        clientFile = Files.createTempFile("secured-it-client-", ".properties");
        broker.writeClientProperties(clientFile);
        // the CLI creates the topics and publishes the bundled defaults, through the same file
        Path root = ServiceLauncher.repositoryRoot();
        assertThat(cli("topics", "ensure", "--kafka-config", clientFile.toString(), "--wait", "60")).isZero();
        assertThat(cli("models", "bootstrap", "--kafka-config", clientFile.toString(), "--store",
                TestRegistry.storeRoot().toString(), "--defaults", root.resolve("models").toString())).isZero();
        embedding = ServiceLauncher.start("embedding", broker, List.of("-Xmx512m"), Map.of("quorum.embedding.extra-embedders", ""));
        scoring = ServiceLauncher.start("pair-scoring", broker, List.of("-Xmx384m"), Map.of());
        await().atMost(Duration.ofSeconds(180)).until(() -> embedding.httpStatus("/q/health/ready") == 200
                && scoring.httpStatus("/q/health/ready") == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceLauncher s : new ServiceLauncher[] {embedding, scoring}) {
            if (s != null) {
                s.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
        if (clientFile != null) {
            Files.deleteIfExists(clientFile);
        }
    }

    static int cli(String... args) {
        return new picocli.CommandLine(new QuorumCli()).execute(args);
    }

    @Test
    @Order(1)
    void pairsGoInAndScoresComeOutOverSaslSsl() {
        String prefix = "sec-" + UUID.randomUUID() + "-";
        try (TopicReader out = TopicReader.fromNow(clients, Topics.PAIRS_SCORED); TestProducer p = new TestProducer(clients)) {
            for (int i = 0; i < 20; i++) {
                p.send(Topics.PAIRS, prefix + i, Json.toBytes(PairSubmitted.of(prefix + i, "How do I learn Java quickly? " + i,
                        "What is the fastest way to learn Java? " + i)));
            }
            p.flush();
            List<ConsumerRecord<String, byte[]>> scored = out.await(20, Duration.ofSeconds(120), r -> r.key().startsWith(prefix));
            for (ConsumerRecord<String, byte[]> r : scored) {
                PairScored s = Json.fromBytes(r.value(), PairScored.class);
                assertThat(s.probability()).isBetween(0.0, 1.0);
                assertThat(s.modelVersion()).isPositive();
            }
        }
    }

    @Test
    @Order(2)
    void aQuestionFindsItsDuplicate() {
        String run = "secq-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        try (TopicReader found = TopicReader.fromNow(clients, Topics.DUPLICATES_FOUND); TestProducer p = new TestProducer(clients)) {
            p.sendSync(Topics.QUESTIONS, run + "original", Json.toBytes(QuestionPosted.of(run + "original",
                    "How can I learn the Java programming language fast?")));
            p.sendSync(Topics.QUESTIONS, run + "other", Json.toBytes(QuestionPosted.of(run + "other", "How do I bake sourdough bread?")));
            found.await(2, Duration.ofSeconds(120), r -> r.key().startsWith(run));
            p.sendSync(Topics.QUESTIONS, run + "asked", Json.toBytes(QuestionPosted.of(run + "asked",
                    "What is the fastest way to learn the Java programming language?")));
            DuplicatesFound answer = Json.fromBytes(found.await(1, Duration.ofSeconds(120),
                    r -> (run + "asked").equals(r.key())).get(0).value(), DuplicatesFound.class);
            assertThat(answer.candidates()).isNotEmpty();
            assertThat(answer.candidates().get(0).questionId()).isEqualTo(run + "original");
        }
    }

    @Test
    @Order(3)
    void aNewModelVersionIsPublishedAndHotSwapped() throws Exception {
        int version;
        try (ModelRegistry registry = new ModelRegistry(clients)) {
            version = Republish.champion(registry, TestRegistry.store(), PairAlignerSpec.MODEL_NAME);
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> scoring.get("/models").contains("\"version\":" + version));
        String prefix = "swap-" + UUID.randomUUID() + "-";
        try (TopicReader out = TopicReader.fromNow(clients, Topics.PAIRS_SCORED); TestProducer p = new TestProducer(clients)) {
            for (int i = 0; i < 5; i++) {
                p.send(Topics.PAIRS, prefix + i, Json.toBytes(PairSubmitted.of(prefix + i, "Why is the sky blue? " + i,
                        "What makes the sky look blue during the day? " + i)));
            }
            p.flush();
            for (ConsumerRecord<String, byte[]> r : out.await(5, Duration.ofSeconds(120), r -> r.key().startsWith(prefix))) {
                PairScored s = Json.fromBytes(r.value(), PairScored.class);
                assertThat(s.model()).isEqualTo(PairAlignerSpec.MODEL_NAME);
                assertThat(s.modelVersion()).isEqualTo(version);
            }
        }
    }

    @Test
    @Order(4)
    void everyHandBuiltClientExportsItsMetricsAndNoSecretIsLogged() throws Exception {
        String metrics = scoring.get("/q/metrics");
        for (String client : List.of("quorum-pair-scoring-duplicate-search-", "quorum-pair-scoring-registry-reader-")) {
            assertThat(metrics).contains("kafka_consumer_last_poll_seconds_ago{").contains("client_id=\"" + client);
        }
        assertThat(metrics).contains("kafka_producer_record_send_total{").contains("client_id=\"quorum-pair-scoring-output-");
        assertThat(embedding.get("/q/metrics")).contains("client_id=\"quorum-embedding-output-");
        String password = broker.serviceUser().password();
        for (ServiceLauncher s : List.of(embedding, scoring)) {
            String log = s.logText();
            assertThat(log).as(s.name() + " logs its Kafka settings").contains("SASL_SSL");
            assertThat(log).as(s.name() + " never logs the password").doesNotContain(password);
        }
    }

    @Test
    @Order(5)
    void clientsWithoutCredentialsAWrongPasswordOrNoAclsAreRefused() {
        // TLS only, no SASL: the broker closes the connection; nothing is ever answered
        try (TopicAdmin admin = KafkaClients.of(KafkaSettings.of(broker.tlsOnlySettings()), "no-sasl").topicAdmin()) {
            assertThatThrownBy(() -> admin.awaitCluster(Duration.ofSeconds(8))).isInstanceOf(Exception.class);
        }
        // plaintext on the SASL_SSL port
        try (TopicAdmin admin = KafkaClients.of(KafkaSettings.bootstrap(broker.bootstrapServers()), "plain").topicAdmin()) {
            assertThatThrownBy(() -> admin.awaitCluster(Duration.ofSeconds(8))).isInstanceOf(Exception.class);
        }
        // a wrong password: authentication fails, and says so
        SecuredKafkaBroker.User impostor = new SecuredKafkaBroker.User(SecuredKafkaBroker.SERVICE_USER, "wrong-password");
        try (TopicAdmin admin = KafkaClients.of(KafkaSettings.of(broker.clientSettings(impostor)), "impostor").topicAdmin()) {
            assertThatThrownBy(() -> admin.awaitCluster(Duration.ofSeconds(30))).hasRootCauseInstanceOf(SaslAuthenticationException.class);
        }
        // authenticated, but no ACL on the topics: a pair cannot be published
        KafkaClients guest = KafkaClients.of(KafkaSettings.of(broker.clientSettings(broker.unprivilegedUser())), "guest");
        try (KafkaProducer<String, byte[]> p = guest.producer("guest", Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000))) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>(Topics.PAIRS, "x", new byte[] {'{', '}'})).get())
                    .hasRootCauseInstanceOf(TopicAuthorizationException.class);
        }
        // the CLI with no client file reaches nothing and fails with a message, not a hang
        assertThat(cli("topics", "list", "--bootstrap", broker.bootstrapServers(), "--wait", "5")).isNotZero();
    }
}
