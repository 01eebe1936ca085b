package io.quorum.shared.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates Quorum topics idempotently with the requested {@link Replication}, grows partition counts when asked to, and
 * reports what an existing topic lacks. A topic's replication factor cannot be raised by configuration (that is a
 * partition reassignment, {@code kafka-reassign-partitions}): an existing topic with fewer replicas than asked is
 * reported, not changed; its {@code min.insync.replicas} is set when it differs.
 */
public final class TopicAdmin implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicAdmin.class);

    /** What {@link #ensure} did: topics created, grown or reconfigured, and warnings about the rest. */
    public record Ensured(List<String> changed, List<String> warnings) {
    }

    private final Admin admin;

    /** Manages topics through {@code admin}, which it closes; {@code KafkaClients.topicAdmin()} builds one. */
    public TopicAdmin(Admin admin) {
        this.admin = admin;
    }

    /** Blocks until the cluster answers, or throws after {@code timeout}. */
    public String awaitCluster(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                return admin.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                last = e;
                if (e.getCause() instanceof org.apache.kafka.common.errors.AuthenticationException
                        || e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
                    throw new IllegalStateException("Kafka refused this client: " + e.getCause().getMessage(), e.getCause());
                }
                Thread.sleep(200);
            }
        }
        throw new TimeoutException("Kafka did not answer within " + timeout + (last == null ? "" : ": " + last));
    }

    /** Brokers in the cluster. */
    public int brokers() throws InterruptedException, ExecutionException {
        return admin.describeCluster().nodes().get().size();
    }

    /** {@link #ensure(Collection, Replication)} with the cluster's replication defaults. */
    public List<String> ensure(Collection<TopicSpec> specs) throws InterruptedException, ExecutionException {
        return ensure(specs, Replication.CLUSTER_DEFAULT).changed();
    }

    /**
     * Creates the missing topics of {@code specs} with {@code replication}; an existing scalable topic with fewer
     * partitions is grown; an existing topic's {@code min.insync.replicas} is set to the requested one; an existing
     * topic with fewer replicas than requested is reported in the warnings.
     */
    public Ensured ensure(Collection<TopicSpec> specs, Replication replication) throws InterruptedException, ExecutionException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> toCreate = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (TopicSpec s : specs) {
            if (!existing.contains(s.name())) {
                Map<String, String> configs = new java.util.LinkedHashMap<>(s.configs());
                if (replication.minInsync() > 0) {
                    configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication.minInsync()));
                }
                toCreate.add(new NewTopic(s.name(), Optional.of(s.partitions()),
                        replication.factor() > 0 ? Optional.of((short) replication.factor()) : Optional.empty()).configs(configs));
            }
        }
        if (!toCreate.isEmpty()) {
            CreateTopicsResult result = admin.createTopics(toCreate);
            for (var e : result.values().entrySet()) {
                try {
                    e.getValue().get();
                    changed.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
        }
        List<String> present = specs.stream().map(TopicSpec::name).filter(existing::contains).toList();
        if (!present.isEmpty()) {
            Map<String, TopicDescription> described = admin.describeTopics(present).allTopicNames().get();
            for (TopicSpec s : specs) {
                TopicDescription d = described.get(s.name());
                if (d == null) {
                    continue;
                }
                if (s.scalable() && d.partitions().size() < s.partitions()) {
                    admin.createPartitions(Map.of(s.name(), NewPartitions.increaseTo(s.partitions()))).all().get();
                    LOG.infof("grew %s from %d to %d partitions", s.name(), d.partitions().size(), s.partitions());
                    changed.add(s.name());
                }
                int replicas = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
                if (replication.factor() > 0 && replicas < replication.factor()) {
                    warnings.add(s.name() + " has " + replicas + " replica(s), " + replication.factor()
                            + " asked: raise it with a partition reassignment (kafka-reassign-partitions)");
                }
            }
            if (replication.minInsync() > 0) {
                changed.addAll(alignMinInsync(present, replication.minInsync()));
            }
            changed.addAll(raiseMaxMessageBytes(specs.stream().filter(s -> existing.contains(s.name())).toList()));
        }
        return new Ensured(List.copyOf(changed), List.copyOf(warnings));
    }

    /** Sets {@code min.insync.replicas} on those of {@code topics} that have another value; returns their names. */
    private List<String> alignMinInsync(List<String> topics, int minInsync) throws InterruptedException, ExecutionException {
        List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new java.util.HashMap<>();
        for (var e : configs.entrySet()) {
            ConfigEntry current = e.getValue().get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            if (current == null || !Integer.toString(minInsync).equals(current.value())) {
                ops.put(e.getKey(), List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                        Integer.toString(minInsync)), AlterConfigOp.OpType.SET)));
            }
        }
        if (!ops.isEmpty()) {
            admin.incrementalAlterConfigs(ops).all().get();
        }
        return ops.keySet().stream().map(ConfigResource::name).toList();
    }

    /**
     * Raises {@code max.message.bytes} on existing topics whose spec asks for more than they have (a topic created
     * before its spec carried a limit); never lowers it. Returns their names.
     */
    private List<String> raiseMaxMessageBytes(List<TopicSpec> present) throws InterruptedException, ExecutionException {
        List<TopicSpec> limited = present.stream().filter(s -> s.maxMessageBytes() > 0).toList();
        if (limited.isEmpty()) {
            return List.of();
        }
        Map<ConfigResource, Config> configs = admin.describeConfigs(limited.stream()
                .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name())).toList()).all().get();
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new java.util.HashMap<>();
        for (TopicSpec s : limited) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, s.name());
            ConfigEntry current = configs.get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            long have = current == null || current.value() == null ? -1 : Long.parseLong(current.value());
            if (have < s.maxMessageBytes()) {
                ops.put(r, List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                        Integer.toString(s.maxMessageBytes())), AlterConfigOp.OpType.SET)));
                LOG.infof("raised %s max.message.bytes from %d to %d", s.name(), have, s.maxMessageBytes());
            }
        }
        if (!ops.isEmpty()) {
            admin.incrementalAlterConfigs(ops).all().get();
        }
        return ops.keySet().stream().map(ConfigResource::name).toList();
    }

    /** Partition count of {@code topic}. */
    public int partitions(String topic) throws InterruptedException, ExecutionException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    }

    /** Replicas of each partition of {@code topic} and how many of them are in sync, e.g. {@code "3/3"}. */
    public List<String> inSync(String topic) throws InterruptedException, ExecutionException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .map(p -> p.isr().size() + "/" + p.replicas().size()).toList();
    }

    public Admin admin() {
        return admin;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
