package io.quorum.cli;

import io.quorum.cli.lag.LagExporter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Serves consumer-group lag measured from the broker (committed offsets vs log-end offsets, through the Admin API) as
 * Prometheus metrics until stopped. One instance per cluster: run it beside the services ({@code ./quorum up} does),
 * as its own container (docker-compose service {@code lag-exporter}) or as a one-replica Deployment.
 */
@Command(name = "lag-exporter", mixinStandardHelpOptions = true, description = "Serve consumer-group lag read from the broker (committed vs log-end offsets) "
        + "as Prometheus metrics on /metrics (health on /health) until stopped.")
final class LagExporterCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Option(names = "--port", defaultValue = "9308", description = "HTTP port of /metrics and /health (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--interval-ms", defaultValue = "5000",
            description = "how often the groups' offsets are read, ms (default ${DEFAULT-VALUE}); at most the scrape interval")
    long intervalMs;

    @Option(names = "--groups", defaultValue = ".*",
            description = "regular expression of the consumer group ids to report (default: every group)")
    Pattern groups;

    @Override
    public Integer call() throws Exception {
        if (intervalMs < 100) {
            throw new IllegalArgumentException("--interval-ms must be at least 100, got " + intervalMs);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        LagExporter exporter = LagExporter.start(connection.clients(), new InetSocketAddress(host, port),
                Duration.ofMillis(intervalMs), id -> groups.matcher(id).matches());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            exporter.close();
            stopped.countDown();
        }, "quorum-lag-exporter-stop"));
        System.err.printf("lag exporter: http://%s:%d/metrics (groups matching %s, read every %d ms from %s)%n", host,
                exporter.port(), groups.pattern(), intervalMs, connection.clients().describe());
        stopped.await();
        return 0;
    }
}
