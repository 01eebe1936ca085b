package io.quorum.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quorum.cli.QuorumCli;
import io.quorum.cli.chaos.ChaosRun;
import io.quorum.cli.chaos.ChaosScenario;
import io.quorum.cli.chaos.ChaosSystem;
import io.quorum.cli.chaos.Republish;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaSettings;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaCluster;
import io.quorum.testing.ServiceLauncher;
import io.quorum.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Nothing lost when processes die, on a real 3-broker KRaft cluster (one JVM per broker) with every topic at
 * replication factor 3 and {@code min.insync.replicas} 2, as {@code topics ensure} creates them there: the chaos
 * scenarios of {@code ./quorum chaos} at a small scale, with embedding and pair-scoring as their own JVMs. A broker is
 * killed ({@code SIGKILL}) and restarted while pairs flow, then pair-scoring, then embedding; a second pair-scoring
 * instance joins and leaves the group; the serving model is hot-swapped. Every pair the broker acknowledged is
 * scored; duplicates appear only after a process was killed (at-least-once) and share the pair id.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {

    static final ChaosRun.Settings SMALL = new ChaosRun.Settings(120, 12, Duration.ofSeconds(240), Duration.ofSeconds(3));
    /** The node killed: not the first, so a client's first bootstrap address is not the one that vanishes. */
    static final int VICTIM = 3;

    static KafkaCluster cluster;
    static TestSystem system;

    @BeforeAll
    static void start() throws Exception {
        cluster = KafkaCluster.start();
        KafkaClients clients = KafkaClients.of(KafkaSettings.of(cluster.clientSettings()), "chaos-it");
        Path clientFile = Files.createTempFile("chaos-it-client-", ".properties");
        clientFile.toFile().deleteOnExit();
        cluster.writeClientProperties(clientFile);
        assertThat(cli("topics", "ensure", "--kafka-config", clientFile.toString(), "--replication-factor", "3",
                "--min-insync-replicas", "2", "--wait", "60")).isZero();
        assertThat(cli("models", "bootstrap", "--kafka-config", clientFile.toString(), "--store",
                TestRegistry.storeRoot().toString(), "--defaults", ServiceLauncher.repositoryRoot().resolve("models").toString())).isZero();
        system = new TestSystem(cluster, clients);
        system.embedding = ServiceLauncher.start("embedding", cluster, List.of("-Xmx512m"), Map.of("quorum.embedding.extra-embedders", ""));
        system.scoring = ServiceLauncher.start("pair-scoring", cluster, List.of("-Xmx384m"), Map.of());
        system.awaitReady(system.embedding);
        system.awaitReady(system.scoring);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static int cli(String... args) {
        return new picocli.CommandLine(new QuorumCli()).execute(args);
    }

    static ChaosRun.Report run(ChaosScenario scenario) throws InterruptedException {
        ChaosRun.Report r = new ChaosRun(system, SMALL, line -> System.out.println("[chaos-it]" + line)).run(scenario);
        System.out.println("[chaos-it] " + r);
        assertThat(r.error()).as(scenario.id()).isNull();
        assertThat(r.sent()).as("pairs the broker acknowledged").isEqualTo(SMALL.pairs());
        assertThat(r.lost()).as("lost pairs, e.g. " + r.lostIds()).isZero();
        assertThat(r.deadLettered()).as("dead letters " + r.deadLetterReasons()).isZero();
        assertThat(r.scored()).isEqualTo(SMALL.pairs());
        return r;
    }

    @Test
    @Order(1)
    void topicsAreReplicatedThreeTimesWithTwoInSyncRequired() throws Exception {
        try (TopicAdmin admin = system.clients().topicAdmin()) {
            assertThat(admin.inSync(Topics.PAIRS)).allMatch(s -> s.equals("3/3"));
            var config = admin.admin().describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topics.PAIRS))).all().get().values().iterator().next();
            assertThat(config.get("min.insync.replicas").value()).isEqualTo("2");
        }
    }

    @Test
    @Order(2)
    void scoringGoesOnWithNothingLostWhileABrokerIsKilledAndRestarted() throws Exception {
        ChaosRun.Report r = run(ChaosScenario.BROKER_KILL);
        assertThat(r.recoverySeconds()).isGreaterThanOrEqualTo(0);
        try (TopicAdmin admin = system.clients().topicAdmin()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> admin.inSync(Topics.PAIRS_SCORED).stream().allMatch("3/3"::equals));
        }
    }

    @Test
    @Order(3)
    void killingPairScoringMidBatchLosesNothing() throws Exception {
        ChaosRun.Report r = run(ChaosScenario.SCORING_KILL);
        assertThat(r.duplicateRecords()).as("at-least-once: only a batch in flight is redelivered").isLessThanOrEqualTo(SMALL.pairs());
    }

    @Test
    @Order(4)
    void killingEmbeddingMidBatchLosesNothing() throws Exception {
        run(ChaosScenario.EMBEDDING_KILL);
    }

    @Test
    @Order(5)
    void aSecondScoringInstanceJoiningAndLeavingLosesNothing() throws Exception {
        ChaosRun.Report r = run(ChaosScenario.REBALANCE);
        // a batch whose outputs were not yet acknowledged when its partition moved is scored again by the new owner
        assertThat(r.duplicateRecords()).isLessThanOrEqualTo(SMALL.pairs());
    }

    @Test
    @Order(6)
    void aHotSwapUnderLoadLosesAndDuplicatesNothingAndBothVersionsServe() throws Exception {
        ChaosRun.Report r = run(ChaosScenario.HOT_SWAP);
        assertThat(r.duplicatedPairs()).isZero();
        assertThat(r.scoredBy()).as("the old version before the swap, the new one after").hasSizeGreaterThanOrEqualTo(2);
    }

    /** The system under test: the cluster's nodes and the services as JVMs this test starts. */
    static final class TestSystem implements ChaosSystem, AutoCloseable {
        private final KafkaCluster cluster;
        private final KafkaClients clients;
        ServiceLauncher embedding;
        ServiceLauncher scoring;

        TestSystem(KafkaCluster cluster, KafkaClients clients) {
            this.cluster = cluster;
            this.clients = clients;
        }

        void awaitReady(ServiceLauncher s) {
            await().atMost(Duration.ofSeconds(180)).until(() -> s.httpStatus("/q/health/ready") == 200);
        }

        private ServiceLauncher service(String name) {
            return switch (name) {
                case "embedding" -> embedding;
                case "pair-scoring" -> scoring;
                default -> throw new IllegalArgumentException(name);
            };
        }

        @Override
        public KafkaClients clients() {
            return clients;
        }

        @Override
        public void killBroker() {
            cluster.kill(VICTIM);
        }

        @Override
        public void restartBroker() {
            cluster.restart(VICTIM);
        }

        @Override
        public void killService(String name) throws Exception {
            service(name).kill();
        }

        @Override
        public void restartService(String name) throws Exception {
            service(name).launch();
            awaitReady(service(name));
        }

        @Override
        public AutoCloseable startExtraInstance(String name) throws Exception {
            // a scoring worker, as k8s/base/pair-scoring-workers.yaml runs them: duplicate search has one owner
            ServiceLauncher extra = ServiceLauncher.start(name, cluster, List.of("-Xmx384m"),
                    Map.of("quorum.pair-scoring.duplicates.enabled", "false"));
            awaitReady(extra);
            return extra;
        }

        @Override
        public int hotSwap(String model) throws Exception {
            try (ModelRegistry registry = new ModelRegistry(clients)) {
                return Republish.champion(registry, TestRegistry.store(), model);
            }
        }

        @Override
        public String describe() {
            return cluster.describe();
        }

        @Override
        public void close() {
            for (ServiceLauncher s : new ServiceLauncher[] {embedding, scoring}) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
