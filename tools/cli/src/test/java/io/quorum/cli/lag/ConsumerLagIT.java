package io.quorum.cli.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quorum.shared.kafka.KafkaClients;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TestProducer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lag exporter on a real broker: a consumer group that stops consuming shows rising lag (its committed offsets
 * stay while records arrive), read from the broker and served on {@code /metrics} as
 * {@code quorum_consumer_group_lag{group,topic,partition}}; the lag falls back to 0 when a consumer of the group
 * resumes, and the group's member count follows the consumer.
 */
class ConsumerLagIT {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String TOPIC = "lag-it-" + UUID.randomUUID();
    static final String GROUP = "lag-it-group-" + UUID.randomUUID();
    static KafkaClients clients;
    static LagExporter exporter;

    @BeforeAll
    static void start() throws Exception {
        clients = TestKafka.clients();
        try (Admin admin = clients.admin("lag-it")) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        }
        // only this test's group: other tests' groups on the shared broker stay out of the figures
        exporter = LagExporter.start(clients, new InetSocketAddress("127.0.0.1", 0), Duration.ofMillis(200), GROUP::equals);
    }

    @AfterAll
    static void stop() {
        if (exporter != null) {
            exporter.close();
        }
    }

    static void produce(int n, String prefix) {
        try (TestProducer p = new TestProducer(clients)) {
            for (int i = 0; i < n; i++) {
                p.send(TOPIC, prefix + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
            }
            p.flush();
        }
    }

    static KafkaConsumer<String, byte[]> consumer() {
        KafkaConsumer<String, byte[]> c = clients.consumer("lag-it", Map.of(ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        c.subscribe(List.of(TOPIC));
        return c;
    }

    /** Polls and commits until the group has consumed {@code total} records of the topic in all. */
    static void consumeUpTo(KafkaConsumer<String, byte[]> c, long total) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            c.poll(Duration.ofMillis(200));
            c.commitSync();
            return committedTotal() == total;
        });
    }

    static long committedTotal() throws Exception {
        try (Admin admin = clients.admin("lag-it-check")) {
            return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(o -> o == null ? 0 : o.offset()).sum();
        }
    }

    static String metrics() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The sum over partitions of {@code quorum_consumer_group_lag} for this group and topic, as Prometheus reads it. */
    static double scrapedLag() throws Exception {
        Pattern line = Pattern.compile("^quorum_consumer_group_lag\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(metrics());
        double sum = 0;
        int series = 0;
        while (m.find()) {
            if (m.group(1).contains("group=\"" + GROUP + "\"") && m.group(1).contains("topic=\"" + TOPIC + "\"")) {
                assertThat(m.group(1)).containsPattern("partition=\"[01]\"");
                sum += Double.parseDouble(m.group(2));
                series++;
            }
        }
        return series == 0 ? Double.NaN : sum;
    }

    static long lag() {
        ConsumerLag.Snapshot s = exporter.last();
        return s == null || !s.covers(GROUP, TOPIC) ? -1 : s.lag(GROUP, TOPIC);
    }

    static int members() {
        ConsumerLag.Snapshot s = exporter.last();
        return s == null ? -1 : s.groups().stream().filter(g -> g.group().equals(GROUP)).mapToInt(ConsumerLag.GroupStatus::members)
                .findFirst().orElse(-1);
    }

    @Test
    void lagRisesWhileTheConsumerIsStoppedAndFallsWhenItResumes() throws Exception {
        produce(10, "a");
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            consumeUpTo(c, 10);
            await().atMost(Duration.ofSeconds(30)).until(() -> lag() == 0 && members() == 1);
            assertThat(scrapedLag()).isZero();
        }
        // the consumer is gone: its group keeps the committed offsets, and records keep arriving
        await().atMost(Duration.ofSeconds(30)).until(() -> members() == 0);
        produce(25, "b");
        await().atMost(Duration.ofSeconds(30)).until(() -> lag() == 25);
        await().atMost(Duration.ofSeconds(10)).until(() -> scrapedLag() == 25.0);
        produce(15, "c");
        await().atMost(Duration.ofSeconds(30)).until(() -> lag() == 40);
        assertThat(exporter.last().partitions().stream().mapToLong(ConsumerLag.PartitionLag::committed).sum()).isEqualTo(10);
        assertThat(exporter.last().partitions().stream().mapToLong(ConsumerLag.PartitionLag::logEnd).sum()).isEqualTo(50);
        String text = metrics();
        // the Prometheus text format 0.0.4 as the simpleclient writes it (a trailing comma inside the braces)
        assertThat(text).containsPattern("(?m)^quorum_consumer_group_members\\{group=\"" + GROUP + "\",?} 0\\.0$")
                .containsPattern("(?m)^quorum_consumer_group_committed_offset\\{group=\"" + GROUP + "\",partition=\"[01]\",topic=\""
                        + TOPIC + "\",?} \\d")
                .containsPattern("(?m)^quorum_lag_exporter_refreshes_total\\{outcome=\"ok\",?} [1-9]");

        // a consumer of the group resumes: the backlog is consumed and the lag falls to 0
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            consumeUpTo(c, 50);
            await().atMost(Duration.ofSeconds(30)).until(() -> lag() == 0 && members() == 1);
            assertThat(scrapedLag()).isZero();
        }
        HttpResponse<String> services = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(services.body()).as("the services' metrics path serves the same").contains("quorum_consumer_group_lag{");
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");
    }

    @Test
    void groupsOutsideTheChoiceAreNotReported() throws Exception {
        String other = "lag-it-other-" + UUID.randomUUID();
        String topic = "lag-it-other-" + UUID.randomUUID();
        try (Admin admin = clients.admin("lag-it")) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (TestProducer p = new TestProducer(clients)) {
            p.sendSync(topic, "k", new byte[] {1});
        }
        try (KafkaConsumer<String, byte[]> c = clients.consumer("lag-it-other", Map.of(ConsumerConfig.GROUP_ID_CONFIG, other,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
            c.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                c.poll(Duration.ofMillis(200));
                c.commitSync();
                return !c.assignment().isEmpty();
            });
        }
        ConsumerLag.Snapshot s = exporter.refresh();
        assertThat(s.partitions()).extracting(ConsumerLag.PartitionLag::group).doesNotContain(other);
        assertThat(metrics()).doesNotContain(other);
        try (Admin admin = clients.admin("lag-it-all")) {
            ConsumerLag.Snapshot all = new ConsumerLag(admin, g -> g.equals(other), Duration.ofSeconds(10)).read();
            assertThat(all.covers(other, topic)).isTrue();
            assertThat(all.lag(other, topic)).isZero();
            assertThat(all.groups()).extracting(ConsumerLag.GroupStatus::group).containsExactly(other);
        }
    }
}
