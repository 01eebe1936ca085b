package io.quorum.cli;

import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.AttackEvent;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.topics.Topics;
import io.quorum.vision.data.DigitSet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * The requester's side of the adversarial service: sends {@link AttackRequested} records to
 * {@code quorum.attacks.requested} and collects, per request, its {@link AdversarialGenerated} records and its
 * {@link AttackCompleted} from {@code quorum.attacks.generated}. A request the service dead-letters (on
 * {@code quorum.attacks.requested.dlq}, same key) fails the wait at once with the service's reason. The consumer is
 * positioned at the end of both topics before anything is sent, so only answers to this client's requests count.
 */
final class AttackClient implements AutoCloseable {

    private static final EventCodec<AttackEvent> EVENTS = EventCodec.of(AttackEvent.class, AdversarialGenerated.SCHEMA_VERSION);
    static final String DLQ = Topics.dlq(Topics.ATTACKS_REQUESTED);

    /** Everything one request got back. */
    record Answer(List<AdversarialGenerated> generated, AttackCompleted completed) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;

    AttackClient(KafkaClients clients) {
        // one request's answers share a partition: a 1 MB partition fetch (Kafka's default) is ~200 adversarials
        consumer = clients.consumer("attack-reader", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20));
        try {
            List<TopicPartition> parts = new ArrayList<>();
            Set<String> existing = consumer.listTopics(Duration.ofSeconds(15)).keySet();
            for (String t : List.of(Topics.ATTACKS_GENERATED, DLQ)) {
                if (!existing.contains(t)) {
                    if (t.equals(DLQ)) {
                        continue; // no dead letters yet: nothing to watch
                    }
                    throw new IllegalStateException("topic " + t + " does not exist: run ./quorum topics (or ./quorum up)");
                }
                consumer.partitionsFor(t, Duration.ofSeconds(15)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position); // resolve the end offsets now, before the requests go out
            // hundreds of single-image requests (~5 KB each) go out at once: Kafka's 16 KB batches would send three
            // per round trip and pace the service's polls
            producer = clients.reliableProducer("attack-writer", Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                    ProducerConfig.LINGER_MS_CONFIG, 5));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** One request per image, each with its image inline (exact float32 values) and its label. */
    static List<AttackRequested> perImage(String run, ModelRef model, String attack, Map<String, String> params,
                                          DigitSet set, String sourceModel) {
        List<AttackRequested> out = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            out.add(new AttackRequested(AttackRequested.SCHEMA_VERSION, run + "-" + i, model.name(), model.follow(), attack,
                    params, DigitImage.ofFloats(set.width(), set.height(), set.images()[i]), set.labels()[i], null,
                    sourceModel, false, "quorum-cli", System.currentTimeMillis()));
        }
        return out;
    }

    /** One data-set request: the service attacks the first {@code limit} images of {@code dataset}. */
    static AttackRequested dataset(String run, ModelRef model, String attack, Map<String, String> params, String dataset,
                                   int limit, String sourceModel) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("limit", Integer.toString(limit));
        return new AttackRequested(AttackRequested.SCHEMA_VERSION, run, model.name(), model.follow(), attack, p, null,
                null, dataset, sourceModel, false, "quorum-cli", System.currentTimeMillis());
    }

    /** Sends {@code requests} (keyed by request id) and waits until the broker has them. */
    void send(Collection<AttackRequested> requests) {
        for (AttackRequested r : requests) {
            producer.send(new ProducerRecord<>(Topics.ATTACKS_REQUESTED, r.requestId(), Json.toBytes(r)));
        }
        producer.flush();
    }

    /**
     * Waits until every request of {@code ids} has its {@link AttackCompleted}; {@code progress} hears of each
     * adversarial as it arrives. Throws when a request is dead-lettered, when a completion reports an error, or at the
     * deadline.
     */
    Map<String, Answer> await(Set<String> ids, Duration timeout, Consumer<AdversarialGenerated> progress) {
        Map<String, List<AdversarialGenerated>> generated = new HashMap<>();
        Map<String, AttackCompleted> completed = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        int images = 0;
        while (completed.size() < ids.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(completed.size() + " of " + ids.size() + " attack requests completed ("
                        + images + " adversarials) on " + Topics.ATTACKS_GENERATED + " within " + timeout.toSeconds()
                        + " s: is the adversarial service up?");
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.key() == null || !ids.contains(r.key())) {
                    continue;
                }
                if (r.topic().equals(DLQ)) {
                    Header reason = r.headers().lastHeader(DeadLetter.HEADER_REASON);
                    throw new IllegalStateException("attack request " + r.key() + " was dead-lettered on " + DLQ + ": "
                            + (reason == null ? "no reason header" : new String(reason.value(), StandardCharsets.UTF_8)));
                }
                AttackEvent e;
                try {
                    e = EVENTS.decode(r.value());
                } catch (InvalidEventException ex) {
                    continue; // not an event this client understands
                }
                if (e instanceof AdversarialGenerated g) {
                    generated.computeIfAbsent(g.requestId(), k -> new ArrayList<>()).add(g);
                    images++;
                    if (progress != null) {
                        progress.accept(g);
                    }
                } else if (e instanceof AttackCompleted c) {
                    if (c.error() != null) {
                        throw new IllegalStateException("attack request " + c.requestId() + " stopped after " + c.attacked()
                                + " image(s): " + c.error());
                    }
                    completed.put(c.requestId(), c);
                }
            }
        }
        Map<String, Answer> out = new LinkedHashMap<>();
        for (String id : ids) {
            AttackCompleted c = completed.get(id);
            List<AdversarialGenerated> g = generated.getOrDefault(id, List.of());
            if (g.size() < c.attacked()) {
                throw new IllegalStateException("attack request " + id + " completed with " + c.attacked()
                        + " images attacked, but only " + g.size() + " adversarials arrived");
            }
            out.put(id, new Answer(g, c));
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        consumer.close(Duration.ofSeconds(10));
    }
}
