package io.quorum.cli;

import io.quorum.cli.chaos.ChaosRun;
import io.quorum.cli.chaos.ChaosScenario;
import io.quorum.cli.chaos.LocalSystem;
import io.quorum.shared.json.Json;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./quorum chaos}: sends identified pairs through the local running system while it kills brokers and
 * services, joins and leaves consumer groups and swaps models, then counts what was lost, duplicated and how long
 * recovery took (JSON). Loopback only, bounded by {@code --pairs} and {@code --drain-seconds} per scenario.
 */
@Command(name = "chaos", description = "Fault injection on the local system: lost, duplicated and recovery time per scenario (JSON).")
final class ChaosCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Option(names = "--scenarios", split = ",", description = "broker-kill, scoring-kill, embedding-kill, rebalance, hot-swap (default: all)")
    List<String> scenarios;

    @Option(names = "--pairs", description = "identified pairs sent per scenario (default 600)")
    int pairs = 600;

    @Option(names = "--rate", description = "pairs per second (default 20: MiniLM embeds ~120 sentences/s on 2 cores)")
    double rate = 20;

    @Option(names = "--drain-seconds", description = "how long to wait for the last answers of a scenario (default 240)")
    int drainSeconds = 240;

    @Option(names = "--brokers", description = "local brokers (env QUORUM_BROKERS, default 1)")
    Integer brokers;

    @Option(names = "--root", defaultValue = ".", description = "the Quorum checkout (./quorum and the service jars)")
    Path root;

    @Option(names = "--runtime", defaultValue = "runtime", description = "runtime directory of ./quorum up (pids, logs)")
    Path runtime;

    @Option(names = "--service-heap", defaultValue = "-Xmx512m", description = "heap of the extra pair-scoring instance")
    String serviceHeap;

    @Override
    public Integer call() throws Exception {
        int nodes = brokers != null ? brokers : Integer.parseInt(System.getenv().getOrDefault("QUORUM_BROKERS", "1"));
        LocalSystem system = new LocalSystem(root.toAbsolutePath(), runtime.toAbsolutePath(), connection.clients(),
                connection.store(), nodes, serviceHeap);
        List<ChaosScenario> run = scenarios == null || scenarios.isEmpty() ? List.of(ChaosScenario.values())
                : scenarios.stream().map(ChaosScenario::parse).toList();
        ChaosRun chaos = new ChaosRun(system, new ChaosRun.Settings(pairs, rate, Duration.ofSeconds(drainSeconds),
                Duration.ofSeconds(5)), line -> System.err.println("chaos:" + line));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "chaos");
        out.put("startedAt", Instant.now().toString());
        out.put("system", system.describe());
        try (TopicAdmin admin = connection.clients().topicAdmin()) {
            out.put("pairsTopicReplicasInSync", admin.inSync(Topics.PAIRS));
        }
        out.put("pairsPerScenario", pairs);
        out.put("ratePerSecond", rate);
        out.put("definitions", Map.of(
                "lost", "acknowledged by the broker, then neither scored nor dead-lettered within the drain time",
                "duplicatedPairs", "pairs scored more than once (at-least-once redelivery; copies share the pair id, the key)",
                "recoverySeconds", "from the fault to the first answer to a pair sent after the fault",
                "repairSeconds", "how long the repair took: the restart until ready (kills), the second instance's start (rebalance), the publication (hot swap)",
                "longestOutputGapSeconds", "longest time without any answer during the scenario"));
        List<ChaosRun.Report> reports = new ArrayList<>();
        for (ChaosScenario s : run) {
            System.err.printf("chaos: %s: %s (%d pairs at %.0f/s)%n", s.id(), s.description(), pairs, rate);
            ChaosRun.Report r = chaos.run(s);
            System.err.printf("chaos: %s: sent %d, scored %d, lost %d, duplicated %d, dead-lettered %d, recovery %.1f s%s%n",
                    s.id(), r.sent(), r.scored(), r.lost(), r.duplicatedPairs(), r.deadLettered(), r.recoverySeconds(),
                    r.error() == null ? "" : " - " + r.error());
            reports.add(r);
            if (r.error() != null) {
                System.err.println("chaos: stopping: the system was not repaired, later scenarios would measure a broken system");
                break;
            }
        }
        out.put("scenarios", reports);
        int lost = reports.stream().mapToInt(ChaosRun.Report::lost).sum();
        boolean errors = reports.stream().anyMatch(r -> r.error() != null);
        out.put("lostTotal", lost);
        out.put("verdict", lost == 0 && !errors ? "0 lost in every scenario" : "FAILED: " + lost + " lost"
                + (errors ? ", errors in some scenarios" : ""));
        Path dir = Files.createDirectories(runtime.resolve("chaos"));
        Path file = dir.resolve("chaos-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(file, Json.toPrettyString(out));
        System.out.println(Json.toPrettyString(out));
        System.err.println("chaos: report in " + file);
        return lost == 0 && !errors ? 0 : 1;
    }
}
