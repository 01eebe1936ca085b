package io.quorum.shared.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quorum.shared.topics.TopicAdmin;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The one factory of Quorum's Kafka clients: every consumer, producer and admin client of the services, the CLI and
 * the tests is built here from the process's {@link KafkaSettings}, so security settings (TLS, SASL), {@code client.rack},
 * compression and timeouts reach all of them. Each client gets a readable, unique {@code client.id}
 * ({@code quorum-<owner>-<purpose>-<n>}) and, when a {@link MeterRegistry} is given, Micrometer's Kafka client metrics
 * (lag, fetch and request rates, connection counts, last poll), removed again when the client is closed. Settings
 * that belong to another kind of client (a consumer's {@code group.id} given to a producer) are not passed on, and
 * {@code group.id}, {@code client.id} and {@code transactional.id} are always the caller's. Secrets are never
 * logged: {@link #describe()} is redacted.
 */
public final class KafkaClients {

    private static final Logger LOG = Logger.getLogger(KafkaClients.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** Per-client identity: never inherited from the shared settings. */
    private static final Set<String> PER_CLIENT = Set.of(ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.CLIENT_ID_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

    private final KafkaSettings settings;
    private final String owner;
    private final MeterRegistry meters;

    private KafkaClients(KafkaSettings settings, String owner, MeterRegistry meters) {
        this.settings = settings;
        this.owner = owner;
        this.meters = meters;
    }

    /** A factory for {@code owner} (a service or tool name, used in client ids), without metrics. */
    public static KafkaClients of(KafkaSettings settings, String owner) {
        return new KafkaClients(settings, owner, null);
    }

    /** This factory, binding Micrometer's Kafka client metrics of every client it builds to {@code registry}. */
    public KafkaClients withMetrics(MeterRegistry registry) {
        return new KafkaClients(settings, owner, registry);
    }

    /** This factory for another owner (the client-id prefix). */
    public KafkaClients forOwner(String newOwner) {
        return new KafkaClients(settings, newOwner, meters);
    }

    public KafkaSettings settings() {
        return settings;
    }

    public String bootstrapServers() {
        return settings.bootstrapServers();
    }

    /** The settings with secrets hidden, for logs. */
    public String describe() {
        return settings.redacted().toString();
    }

    /**
     * A consumer of string keys and byte values. {@code overrides} are this client's own settings (group id, offsets
     * reset, poll sizes); without a {@code group.id} it is a group-less consumer for {@code assign()}.
     */
    public KafkaConsumer<String, byte[]> consumer(String purpose, Map<String, ?> overrides) {
        return new MeteredConsumer(consumerConfig(purpose, overrides), meters);
    }

    /** The configuration {@link #consumer} builds a consumer with. */
    Map<String, Object> consumerConfig(String purpose, Map<String, ?> overrides) {
        Map<String, Object> c = base(ConsumerConfig.configNames(), ProducerConfig.configNames(), AdminClientConfig.configNames());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(purpose));
        c.putAll(overrides);
        return c;
    }

    /** A producer of string keys and byte values; {@code overrides} set this client's own settings (acks, linger...). */
    public KafkaProducer<String, byte[]> producer(String purpose, Map<String, ?> overrides) {
        return new MeteredProducer(producerConfig(purpose, overrides), meters);
    }

    /** The configuration {@link #producer} builds a producer with. */
    Map<String, Object> producerConfig(String purpose, Map<String, ?> overrides) {
        Map<String, Object> c = base(ProducerConfig.configNames(), ConsumerConfig.configNames(), AdminClientConfig.configNames());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, clientId(purpose));
        c.putAll(overrides);
        return c;
    }

    /**
     * A reliable producer: {@code acks=all} and idempotence (no duplicates from retries, order kept per partition),
     * whatever the shared settings say; other settings ({@code linger.ms}, compression) come from the settings and
     * then {@code overrides}.
     */
    public KafkaProducer<String, byte[]> reliableProducer(String purpose, Map<String, ?> overrides) {
        Map<String, Object> o = new HashMap<>(overrides);
        o.put(ProducerConfig.ACKS_CONFIG, "all");
        o.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        o.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        return producer(purpose, o);
    }

    /** An admin client. */
    public Admin admin(String purpose) {
        return Admin.create(adminConfig(purpose)); // short-lived (topics, checks): no meters to leave behind
    }

    /** The configuration {@link #admin} builds an admin client with. */
    Map<String, Object> adminConfig(String purpose) {
        Map<String, Object> c = base(AdminClientConfig.configNames(), ConsumerConfig.configNames(), ProducerConfig.configNames());
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId(purpose));
        c.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        c.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return c;
    }

    /** Topic management (create, grow, replication) on this cluster. */
    public TopicAdmin topicAdmin() {
        return new TopicAdmin(admin("topics"));
    }

    /** The batch output of a service: one idempotent producer for its outputs and dead letters. */
    public KafkaOutput output(String service) {
        return new KafkaOutput(this, service);
    }

    /** The batch output of a service with producer settings of its own ({@code max.request.size}, ...). */
    public KafkaOutput output(String service, Map<String, ?> overrides) {
        return new KafkaOutput(this, service, overrides);
    }

    /**
     * {@code quorum-<owner>-<purpose>-tx}: a transactional id stable across restarts of the owner, so a restarted
     * process fences its killed predecessor and aborts its open transaction at once (one instance per owner).
     */
    public String transactionalId(String purpose) {
        return "quorum-" + owner + "-" + purpose + "-tx";
    }

    /** {@code quorum-<owner>-<purpose>-<n>}: unique in the process, readable in broker logs and metrics. */
    public String clientId(String purpose) {
        return "quorum-" + owner + "-" + purpose + "-" + SEQUENCE.incrementAndGet();
    }

    /**
     * The shared settings a client of one kind takes: all of them but per-client identities and the keys that only
     * the other kinds of clients know (unknown keys, e.g. config-provider parameters, are passed on).
     */
    private Map<String, Object> base(Set<String> own, Set<String> other1, Set<String> other2) {
        Set<String> foreign = new HashSet<>(other1);
        foreign.addAll(other2);
        foreign.removeAll(own);
        Map<String, Object> c = new HashMap<>();
        settings.values().forEach((k, v) -> {
            if (!PER_CLIENT.contains(k) && !foreign.contains(k)) {
                c.put(k, v);
            }
        });
        return c;
    }

    private static KafkaClientMetrics bind(MeterRegistry registry, KafkaClientMetrics metrics) {
        try {
            metrics.bindTo(registry);
            return metrics;
        } catch (RuntimeException e) {
            LOG.warnf("Kafka client metrics not bound: %s", e.toString());
            metrics.close();
            return null;
        }
    }

    private static void unbind(KafkaClientMetrics metrics) {
        if (metrics != null) {
            metrics.close();
        }
    }

    /** A consumer whose Micrometer metrics are removed when it is closed. */
    private static final class MeteredConsumer extends KafkaConsumer<String, byte[]> {
        private final KafkaClientMetrics metrics;

        MeteredConsumer(Map<String, Object> config, MeterRegistry registry) {
            super(config, new StringDeserializer(), new ByteArrayDeserializer());
            this.metrics = registry == null ? null : bind(registry, new KafkaClientMetrics(this, Tags.empty()));
        }

        @Override
        public void close() {
            unbind(metrics);
            super.close();
        }

        @Override
        @SuppressWarnings("deprecation")
        public void close(Duration timeout) {
            unbind(metrics);
            super.close(timeout);
        }

        @Override
        public void close(CloseOptions option) {
            unbind(metrics);
            super.close(option);
        }
    }

    /** A producer whose Micrometer metrics are removed when it is closed. */
    private static final class MeteredProducer extends KafkaProducer<String, byte[]> {
        private final KafkaClientMetrics metrics;

        MeteredProducer(Map<String, Object> config, MeterRegistry registry) {
            super(config, new StringSerializer(), new ByteArraySerializer());
            this.metrics = registry == null ? null : bind(registry, new KafkaClientMetrics(this, Tags.empty()));
        }

        @Override
        public void close() {
            unbind(metrics);
            super.close();
        }

        @Override
        public void close(Duration timeout) {
            unbind(metrics);
            super.close(timeout);
        }
    }
}
