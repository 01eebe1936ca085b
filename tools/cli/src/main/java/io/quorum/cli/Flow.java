package io.quorum.cli;

import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Sends keyed records to one topic and waits for one answer per key on another (or the same) topic, recording
 * the send and receive time of every record. Keys are {@code <prefix><index>}.
 */
final class Flow {

    /**
     * What one run measured: per record its send and first-answer times ({@link System#nanoTime()}), and how many
     * answers came more than once (at-least-once redelivery, e.g. across a rebalance).
     */
    record Result(int records, double seconds, double perSecond, long[] latenciesNanos, long[] sentNanos,
                  long[] receivedNanos, int duplicates) {
    }

    private final KafkaClients clients;

    Flow(KafkaClients clients) {
        this.clients = clients;
    }

    /**
     * Sends {@code values} to {@code in} keyed {@code prefix + i}, at {@code ratePerSecond} (0 = as fast as possible),
     * and waits until {@code out} has a record for every key.
     */
    Result run(String in, String out, String prefix, List<byte[]> values, double ratePerSecond, Duration timeout)
            throws InterruptedException {
        return run(in, out, prefix, values, null, ratePerSecond, timeout);
    }

    /**
     * As {@link #run(String, String, String, List, double, Duration)}, each record with the headers of the same index
     * in {@code headers} (null: none), e.g. binary-content-mode metadata.
     */
    Result run(String in, String out, String prefix, List<byte[]> values, List<Header[]> headers, double ratePerSecond,
               Duration timeout) throws InterruptedException {
        int n = values.size();
        long[] sent = new long[n];
        long[] received = new long[n];
        AtomicInteger count = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        CountDownLatch assigned = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> c = clients.consumer("bench-reader", Map.of(
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
                List<TopicPartition> parts = new ArrayList<>(c.partitionsFor(out, Duration.ofSeconds(15)).stream()
                        .map(i -> new TopicPartition(out, i.partition())).toList());
                // a service under test dead-letters what it cannot process: watch its DLQ to fail fast with the reason
                String dlq = Topics.dlq(in);
                if (!in.equals(out) && c.listTopics(Duration.ofSeconds(15)).containsKey(dlq)) {
                    c.partitionsFor(dlq, Duration.ofSeconds(15)).forEach(i -> parts.add(new TopicPartition(dlq, i.partition())));
                }
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                assigned.countDown();
                long deadline = System.nanoTime() + timeout.toNanos();
                while (count.get() < n && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        String k = r.key();
                        if (r.topic().equals(dlq) && k != null && k.startsWith(prefix)) {
                            Header reason = r.headers().lastHeader(DeadLetter.HEADER_REASON);
                            throw new IllegalStateException("record " + k + " was dead-lettered on " + dlq + ": "
                                    + (reason == null ? "no reason header" : new String(reason.value(), StandardCharsets.UTF_8)));
                        }
                        if (k != null && k.startsWith(prefix)) {
                            int i = Integer.parseInt(k, prefix.length(), k.length(), 10);
                            if (received[i] == 0) {
                                received[i] = now;
                                count.incrementAndGet();
                            } else {
                                duplicates.incrementAndGet();
                            }
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
                assigned.countDown();
            } finally {
                done.countDown();
            }
        }, "bench-reader");
        reader.start();
        assigned.await();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        // records up to the photo topics' limit (a raw photo is often over the client's 1 MB default)
        try (KafkaProducer<String, byte[]> producer = clients.producer("bench-writer", Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.IMAGES_MAX_MESSAGE_BYTES))) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (ratePerSecond > 0) {
                    long due = start + (long) (i * 1e9 / ratePerSecond);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(Math.min(wait, 200_000));
                    }
                }
                sent[i] = System.nanoTime();
                producer.send(new ProducerRecord<>(in, null, prefix + i, values.get(i),
                        headers == null ? null : java.util.Arrays.asList(headers.get(i))), (meta, e) -> {
                            if (e != null) {
                                sendFailure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (sendFailure.get() != null) { // a record that never reached the broker would leave the reader waiting
            reader.interrupt();
            throw new IllegalStateException("sending to " + in + " failed: " + sendFailure.get(), sendFailure.get());
        }
        if (!done.await(timeout.toSeconds() + 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("reader did not finish");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("reading " + out + " failed: " + failure.get(), failure.get());
        }
        if (count.get() < n) {
            throw new IllegalStateException("only " + count.get() + " of " + n + " answers on " + out + " within " + timeout);
        }
        long first = Long.MAX_VALUE;
        long last = 0;
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            first = Math.min(first, sent[i]);
            last = Math.max(last, received[i]);
            lat[i] = received[i] - sent[i];
        }
        double seconds = (last - first) / 1e9;
        return new Result(n, seconds, n / seconds, lat, sent, received, duplicates.get());
    }
}
