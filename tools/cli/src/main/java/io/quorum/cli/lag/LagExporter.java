package io.quorum.cli.lag;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.metrics.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Serves {@link ConsumerLag} as Prometheus metrics: reads every chosen group every {@code interval} on its own thread
 * and exposes the last read on {@code GET /metrics} and {@code GET /q/metrics} ({@code quorum_consumer_group_lag{group,topic,partition}},
 * {@code quorum_consumer_group_committed_offset}, {@code quorum_consumer_group_members{group}},
 * {@code quorum_lag_exporter_refreshes_total{outcome}}, JVM memory). {@code GET /health} answers 200 while the last
 * successful read is recent (three intervals, at least 30 s), else 503: a probe that restarts an exporter cut off
 * from the cluster. A failed read keeps the previous values (Prometheus sees them as unchanged, not as zero).
 */
public final class LagExporter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LagExporter.class);

    private final Admin admin;
    private final ConsumerLag lag;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge lagGauge;
    private final MultiGauge committedGauge;
    private final MultiGauge membersGauge;
    private final Counter ok;
    private final Counter failed;
    private final Duration staleAfter;
    private final AtomicReference<ConsumerLag.Snapshot> last = new AtomicReference<>();
    private final ScheduledExecutorService scheduler;
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService http;

    private LagExporter(KafkaClients clients, InetSocketAddress bind, Duration interval, Predicate<String> groups)
            throws IOException {
        this.admin = clients.admin("lag-exporter");
        this.lag = new ConsumerLag(admin, groups, Duration.ofMillis(Math.max(10_000, interval.toMillis())));
        this.staleAfter = Duration.ofMillis(Math.max(30_000, 3 * interval.toMillis()));
        this.lagGauge = MultiGauge.builder(Metrics.CONSUMER_GROUP_LAG)
                .description("Log-end offset minus the group's committed offset, per partition (read from the broker)")
                .register(registry);
        this.committedGauge = MultiGauge.builder(Metrics.CONSUMER_GROUP_COMMITTED_OFFSET)
                .description("The group's committed offset, per partition").register(registry);
        this.membersGauge = MultiGauge.builder(Metrics.CONSUMER_GROUP_MEMBERS)
                .description("Members of the consumer group now").register(registry);
        this.ok = Counter.builder(Metrics.LAG_EXPORTER_REFRESHES).tag(Metrics.TAG_OUTCOME, "ok")
                .description("Reads of the groups' offsets").register(registry);
        this.failed = Counter.builder(Metrics.LAG_EXPORTER_REFRESHES).tag(Metrics.TAG_OUTCOME, "failed")
                .description("Reads of the groups' offsets").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quorum-lag-exporter");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(bind, 16);
        server.createContext("/metrics", this::metrics);
        // the services' path too, so one scrape definition (a PodMonitor on /q/metrics) covers the exporter as well
        server.createContext("/q/metrics", this::metrics);
        server.createContext("/health", this::health);
        this.http = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "quorum-lag-exporter-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(http);
    }

    /**
     * Starts reading every {@code interval} (the first read at once) and serving on {@code bind} (port 0: a free
     * port, see {@link #port()}).
     */
    public static LagExporter start(KafkaClients clients, InetSocketAddress bind, Duration interval, Predicate<String> groups)
            throws IOException {
        LagExporter e = new LagExporter(clients, bind, interval, groups);
        e.server.start();
        e.scheduler.scheduleWithFixedDelay(e::refreshQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return e;
    }

    /** Reads the groups now and updates the metrics; returns the read. */
    public ConsumerLag.Snapshot refresh() throws Exception {
        try {
            ConsumerLag.Snapshot s = lag.read();
            publish(s);
            last.set(s);
            ok.increment();
            return s;
        } catch (Exception e) {
            failed.increment();
            throw e;
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warnf("lag exporter: reading the consumer groups failed (the previous values stay): %s", e.toString());
        }
    }

    private void publish(ConsumerLag.Snapshot s) {
        lagGauge.register(s.partitions().stream().map(p -> MultiGauge.Row.of(partitionTags(p), p.lag())).toList(), true);
        committedGauge.register(s.partitions().stream().map(p -> MultiGauge.Row.of(partitionTags(p), p.committed())).toList(), true);
        membersGauge.register(s.groups().stream()
                .map(g -> MultiGauge.Row.of(Tags.of(Metrics.TAG_GROUP, g.group()), g.members())).toList(), true);
    }

    private static Tags partitionTags(ConsumerLag.PartitionLag p) {
        return Tags.of(Metrics.TAG_GROUP, p.group(), Metrics.TAG_TOPIC, p.topic(), Metrics.TAG_PARTITION,
                Integer.toString(p.partition()));
    }

    /** The last successful read, or null before the first. */
    public ConsumerLag.Snapshot last() {
        return last.get();
    }

    /** The Prometheus text {@code /metrics} serves. */
    public String scrape() {
        return registry.scrape();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void metrics(HttpExchange x) throws IOException {
        respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", scrape());
    }

    private void health(HttpExchange x) throws IOException {
        ConsumerLag.Snapshot s = last.get();
        long age = s == null ? Long.MAX_VALUE : System.currentTimeMillis() - s.takenAtMillis();
        if (age <= staleAfter.toMillis()) {
            respond(x, 200, "application/json", "{\"status\":\"UP\",\"groups\":" + s.groups().size()
                    + ",\"partitions\":" + s.partitions().size() + ",\"ageMs\":" + age + "}");
        } else {
            respond(x, 503, "application/json", "{\"status\":\"DOWN\",\"reason\":\"" + (s == null ? "no successful read yet"
                    : "last successful read " + age / 1000 + " s ago") + "\"}");
        }
    }

    private static void respond(HttpExchange x, int status, String type, String body) throws IOException {
        try (x) {
            byte[] bytes = "HEAD".equals(x.getRequestMethod()) ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", type);
            x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        http.shutdownNow();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
        registry.close();
    }
}
