package io.quorum.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Replication on three real nodes: with RF 3 and {@code min.insync.replicas=2}, idempotent {@code acks=all}
 * producers and a consumer group carry on while the leader of a partition is killed with SIGKILL; the node
 * rejoins every ISR after a restart, and every acknowledged record is consumed.
 */
class KafkaClusterIT {

    private static final int BATCH = 300;
    private static final Duration AWAIT = Duration.ofSeconds(90);

    @Test
    void acknowledgedRecordsSurviveAKilledLeaderWhichRejoinsTheIsr() throws Exception {
        long started = System.nanoTime();
        try (KafkaCluster cluster = KafkaCluster.start()) {
            System.out.printf("[quorum-test] %s started in %d ms%n", cluster.describe(), (System.nanoTime() - started) / 1_000_000);
            try {
                exercise(cluster);
            } catch (Throwable t) {
                for (int id : cluster.nodeIds()) {
                    System.err.println("---- " + cluster.logFile(id) + "\n" + cluster.logTail(id, 60));
                }
                throw t;
            }
        }
        System.out.printf("[quorum-test] KafkaClusterIT took %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    private void exercise(KafkaCluster cluster) throws Exception {
        for (int id : cluster.nodeIds()) {
            // each node logs to its own file, where failures can be read
            assertThat(Files.readString(cluster.logFile(id))).contains("Kafka Server started");
        }
        String topic = "replicated-" + System.nanoTime();
        Set<Integer> acked = new TreeSet<>();
        Set<Integer> consumed = new TreeSet<>();
        try (Admin admin = Admin.create(withClientDefaults(cluster.clientSettings()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(cluster));
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(cluster))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(60, TimeUnit.SECONDS);
            await().atMost(AWAIT).until(() -> isrSizes(admin, topic).equals(List.of(3, 3, 3)));
            consumer.subscribe(List.of(topic));

            // all three up
            acked.addAll(produce(producer, topic, 0, BATCH));
            awaitConsumed(consumer, consumed, acked);

            // SIGKILL the leader of partition 0, and carry on producing at once: its partitions fail over
            int victim = describe(admin, topic).partitions().get(0).leader().id();
            cluster.kill(victim);
            assertThat(cluster.isRunning(victim)).isFalse();
            acked.addAll(produce(producer, topic, BATCH, BATCH));
            // the victim is fenced and leaves every ISR; min.insync.replicas=2 still holds, so acks=all goes on
            await().atMost(AWAIT).until(() -> isrSizes(admin, topic).equals(List.of(2, 2, 2)));
            assertThat(describe(admin, topic).partitions()).allSatisfy(p -> {
                assertThat(p.leader().id()).isNotEqualTo(victim);
                assertThat(p.isr()).extracting(Node::id).doesNotContain(victim);
            });
            acked.addAll(produce(producer, topic, 2 * BATCH, BATCH));
            awaitConsumed(consumer, consumed, acked);

            // back with the same data and ports: returns once it is in the ISR of every partition it hosts
            long restartAt = System.nanoTime();
            cluster.restart(victim);
            System.out.printf("[quorum-test] node %d killed and back in the ISR in %d ms%n", victim,
                    (System.nanoTime() - restartAt) / 1_000_000);
            assertThat(describe(admin, topic).partitions())
                    .allSatisfy(p -> assertThat(p.isr()).extracting(Node::id).contains(victim).hasSize(3));
            acked.addAll(produce(producer, topic, 3 * BATCH, BATCH));
            awaitConsumed(consumer, consumed, acked);
        }
        // every send was acknowledged, and every acknowledged record was read exactly as sent
        assertThat(acked).hasSize(4 * BATCH);
        assertThat(consumed).isEqualTo(acked);
    }

    /** Sends {@code count} records numbered from {@code first}; returns those acknowledged (all, or it throws). */
    private static List<Integer> produce(KafkaProducer<String, String> producer, String topic, int first, int count)
            throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, "k" + i, Integer.toString(i))));
        }
        List<Integer> acked = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            sent.get(i).get(120, TimeUnit.SECONDS);
            acked.add(first + i);
        }
        return acked;
    }

    private static void awaitConsumed(KafkaConsumer<String, String> consumer, Set<Integer> consumed, Set<Integer> acked) {
        await().atMost(AWAIT).pollInSameThread().until(() -> {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                consumed.add(Integer.parseInt(r.value()));
            }
            return consumed.containsAll(acked);
        });
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    private static List<Integer> isrSizes(Admin admin, String topic) throws Exception {
        return describe(admin, topic).partitions().stream().map(TopicPartitionInfo::isr).map(List::size).toList();
    }

    private static Map<String, Object> withClientDefaults(Map<String, String> settings) {
        Map<String, Object> conf = new HashMap<>(settings);
        conf.put("request.timeout.ms", "10000");
        conf.put("default.api.timeout.ms", "30000");
        conf.put("reconnect.backoff.max.ms", "1000");
        return conf;
    }

    private static Map<String, Object> producerConfig(KafkaCluster cluster) {
        Map<String, Object> conf = withClientDefaults(cluster.clientSettings());
        conf.remove("default.api.timeout.ms");
        conf.put("acks", "all");
        conf.put("enable.idempotence", "true");
        conf.put("max.in.flight.requests.per.connection", "5");
        conf.put("delivery.timeout.ms", "120000");
        conf.put("linger.ms", "5");
        conf.put("key.serializer", StringSerializer.class.getName());
        conf.put("value.serializer", StringSerializer.class.getName());
        return conf;
    }

    private static Map<String, Object> consumerConfig(KafkaCluster cluster) {
        Map<String, Object> conf = withClientDefaults(cluster.clientSettings());
        conf.put("group.id", "cluster-it-" + System.nanoTime());
        conf.put("auto.offset.reset", "earliest");
        conf.put("key.deserializer", StringDeserializer.class.getName());
        conf.put("value.deserializer", StringDeserializer.class.getName());
        return conf;
    }
}
