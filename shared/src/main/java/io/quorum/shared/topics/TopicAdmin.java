package io.quorum.shared.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/** Creates Quorum topics idempotently and grows partition counts when asked to. */
public final class TopicAdmin implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicAdmin.class);

    private final Admin admin;

    public TopicAdmin(String bootstrapServers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        this.admin = Admin.create(p);
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
                Thread.sleep(200);
            }
        }
        throw new TimeoutException("Kafka did not answer within " + timeout + (last == null ? "" : ": " + last));
    }

    /**
     * Creates the missing topics of {@code specs}; an existing scalable topic with fewer partitions is grown.
     * Returns the names of topics created or changed.
     */
    public List<String> ensure(Collection<TopicSpec> specs) throws InterruptedException, ExecutionException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> toCreate = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (TopicSpec s : specs) {
            if (!existing.contains(s.name())) {
                toCreate.add(new NewTopic(s.name(), s.partitions(), (short) 1).configs(s.configs()));
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
        List<String> scalable = specs.stream().filter(s -> s.scalable() && existing.contains(s.name()))
                .map(TopicSpec::name).toList();
        if (!scalable.isEmpty()) {
            Map<String, TopicDescription> described = admin.describeTopics(scalable).allTopicNames().get();
            for (TopicSpec s : specs) {
                TopicDescription d = described.get(s.name());
                if (d != null && d.partitions().size() < s.partitions()) {
                    admin.createPartitions(Map.of(s.name(), NewPartitions.increaseTo(s.partitions()))).all().get();
                    LOG.infof("grew %s from %d to %d partitions", s.name(), d.partitions().size(), s.partitions());
                    changed.add(s.name());
                }
            }
        }
        return changed;
    }

    /** Partition count of {@code topic}. */
    public int partitions(String topic) throws InterruptedException, ExecutionException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    }

    public Admin admin() {
        return admin;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
