package io.quorum.cli;

import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Creates every Quorum topic (idempotent) or lists them. */
@Command(name = "topics", description = "Create (ensure) or list the Quorum topics.")
final class TopicsCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Parameters(index = "0", defaultValue = "ensure", description = "ensure | list")
    String action;

    @Option(names = "--partitions", description = "partitions of the data topics (default: each topic's own)")
    int partitions = -1;

    @Option(names = "--wait", description = "seconds to wait for the broker (default 30)")
    int waitSeconds = 30;

    @Override
    public Integer call() throws Exception {
        try (TopicAdmin admin = new TopicAdmin(connection.bootstrap())) {
            admin.awaitCluster(Duration.ofSeconds(waitSeconds));
            List<TopicSpec> specs = Topics.all(partitions);
            if (action.equals("list")) {
                for (TopicSpec s : specs) {
                    System.out.printf("%-34s %2d partition(s)  %s%n", s.name(), s.partitions(),
                            s.compacted() ? "compacted" : "retention " + (s.retentionMs() < 0 ? "forever" : s.retentionMs() / 3_600_000 + " h"));
                }
                return 0;
            }
            List<String> changed = admin.ensure(specs);
            System.out.println(changed.isEmpty() ? "topics: all " + specs.size() + " present"
                    : "topics: created or grew " + changed.size() + ": " + String.join(", ", changed));
            return 0;
        }
    }
}
