package io.quorum.testing;

import io.quorum.shared.kafka.KafkaClients;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Produces raw records (any bytes, malformed ones included) to the test broker. */
public final class TestProducer implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;

    public TestProducer() {
        this(TestKafka.clients());
    }

    /** A producer to the cluster of {@code clients}. */
    public TestProducer(KafkaClients clients) {
        this.producer = clients.producer("test-producer", Map.of(ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ACKS_CONFIG, "all"));
    }

    /** Sends asynchronously. */
    public void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends asynchronously with headers (UTF-8 text), e.g. CloudEvents binary-mode {@code ce_*} attributes. */
    public void send(String topic, String key, byte[] value, Map<String, String> headers) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, key, value);
        headers.forEach((k, v) -> r.headers().add(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        producer.send(r);
    }

    /** Sends and waits for the acknowledgement. */
    public RecordMetadata sendSync(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("send to " + topic + " failed", e);
        }
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
