package io.quorum.cli;

import io.quorum.shared.topics.Replication;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Creates every Quorum topic (idempotent) with the requested replication, or lists them as the cluster has them. */
@Command(name = "topics", description = "Create (ensure) or list the Quorum topics.")
final class TopicsCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Parameters(index = "0", defaultValue = "ensure", description = "ensure | list")
    String action;

    @Option(names = "--partitions", description = "partitions of the data topics (default: each topic's own)")
    int partitions = -1;

    @Option(names = "--replication-factor", description = "replicas of every partition (env " + Replication.FACTOR_ENV
            + "; default: the cluster's default.replication.factor)")
    Integer replicationFactor;

    @Option(names = "--min-insync-replicas", description = "min.insync.replicas of every topic (env " + Replication.MIN_INSYNC_ENV
            + "; default: the cluster's)")
    Integer minInsync;

    @Option(names = "--wait", description = "seconds to wait for the broker (default 30)")
    int waitSeconds = 30;

    @Override
    public Integer call() throws Exception {
        Replication env = Replication.fromEnvironment(System.getenv());
        Replication replication = new Replication(replicationFactor != null ? replicationFactor : env.factor(),
                minInsync != null ? minInsync : env.minInsync());
        try (TopicAdmin admin = connection.clients().topicAdmin()) {
            admin.awaitCluster(Duration.ofSeconds(waitSeconds));
            List<TopicSpec> specs = Topics.all(partitions);
            if (action.equals("list")) {
                Set<String> present = admin.admin().listTopics().names().get();
                for (TopicSpec s : specs) {
                    String state = present.contains(s.name()) ? "in sync " + String.join(" ", admin.inSync(s.name())) : "missing";
                    System.out.printf("%-34s %2d partition(s)  %-18s %-22s %s%n", s.name(), s.partitions(),
                            s.compacted() ? "compacted" : "retention " + (s.retentionMs() < 0 ? "forever" : s.retentionMs() / 3_600_000 + " h"),
                            s.maxMessageBytes() > 0 ? "max.message.bytes " + s.maxMessageBytes() : "", state);
                }
                return 0;
            }
            if (replication.factor() > 0 && replication.factor() > admin.brokers()) {
                throw new IllegalArgumentException("replication factor " + replication.factor() + " asked, but the cluster has "
                        + admin.brokers() + " broker(s)");
            }
            TopicAdmin.Ensured done = admin.ensure(specs, replication);
            System.out.println(done.changed().isEmpty() ? "topics: all " + specs.size() + " present (" + replication.describe() + ")"
                    : "topics: created or changed " + done.changed().size() + " (" + replication.describe() + "): "
                    + String.join(", ", done.changed()));
            done.warnings().forEach(w -> System.err.println("topics: warning: " + w));
            return 0;
        }
    }
}
