package io.quorum.testing;

import io.quorum.shared.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Reads a topic from the position it had when the reader was created (or from the beginning), without a consumer
 * group, so tests sharing a broker see only their own records. Waits on conditions, never sleeps.
 */
public final class TopicReader implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();

    private TopicReader(KafkaClients clients, String topic, boolean fromBeginning) {
        this.consumer = clients.consumer("test-reader", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000));
        this.topic = topic;
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(parts);
        if (fromBeginning) {
            consumer.seekToBeginning(parts);
        } else {
            consumer.seekToEnd(parts);
        }
        parts.forEach(consumer::position); // resolve positions now
    }

    /** A reader that sees only records appended after this call. */
    public static TopicReader fromNow(String topic) {
        return new TopicReader(TestKafka.clients(), topic, false);
    }

    /** A reader on the cluster of {@code clients} that sees only records appended after this call. */
    public static TopicReader fromNow(KafkaClients clients, String topic) {
        return new TopicReader(clients, topic, false);
    }

    /** A reader that sees the whole topic. */
    public static TopicReader fromBeginning(String topic) {
        return new TopicReader(TestKafka.clients(), topic, true);
    }

    /** A reader on the cluster of {@code clients} that sees the whole topic. */
    public static TopicReader fromBeginning(KafkaClients clients, String topic) {
        return new TopicReader(clients, topic, true);
    }

    /** Polls until {@code count} records matching {@code filter} have arrived (in total), or fails after {@code timeout}. */
    public List<ConsumerRecord<String, byte[]>> await(int count, Duration timeout,
                                                        Predicate<ConsumerRecord<String, byte[]>> filter) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ConsumerRecord<String, byte[]>> matching = received.stream().filter(filter).toList();
            if (matching.size() >= count) {
                return matching;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " records on " + topic + " within " + timeout + ", got "
                        + matching.size() + " (of " + received.size() + " read)");
            }
            consumer.poll(Duration.ofMillis(100)).forEach(received::add);
        }
    }

    public List<ConsumerRecord<String, byte[]>> await(int count, Duration timeout) {
        return await(count, timeout, r -> true);
    }

    /** Everything read so far, then whatever arrives within {@code quiet}. */
    public List<ConsumerRecord<String, byte[]>> drain(Duration quiet) {
        long deadline = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(received::add);
        }
        return List.copyOf(received);
    }

    public static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
