package io.quorum.system.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.json.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server (the Debian package's {@code /usr/bin/prometheus}, 2.42 here) as a child process: our own
 * configuration, port and storage directory, so the package's system service (if any) does not matter. Queried
 * through its HTTP API ({@code /api/v1/query}, {@code /api/v1/alerts}, {@code /api/v1/targets}); reloaded through
 * {@code POST /-/reload}.
 */
public final class PrometheusServer implements AutoCloseable {

    /** Environment variable naming the binary; otherwise {@code prometheus} on the PATH. */
    public static final String BINARY_ENV = "QUORUM_PROMETHEUS";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path dir;
    private final int port;

    private PrometheusServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * The executable {@code name} ({@code prometheus} or {@code promtool}): {@code $QUORUM_PROMETHEUS} for
     * {@code prometheus} (and its folder for {@code promtool}), else the PATH, else {@code /usr/bin}; null when none.
     */
    public static Path findBinary(String name) {
        String env = System.getenv(BINARY_ENV);
        if (env != null && !env.isBlank()) {
            Path p = "prometheus".equals(name) ? Path.of(env) : Path.of(env).resolveSibling(name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        Path debian = Path.of("/usr/bin", name);
        return Files.isExecutable(debian) ? debian : null;
    }

    /**
     * {@code name} ({@code prometheus}, {@code promtool}, {@code docker-compose}) from the PATH; when it is missing the
     * test is skipped locally and fails under {@code CI=true} (.ci/run installs the Debian packages).
     */
    public static Path requireBinary(String name) {
        Path p = findBinary(name);
        if (p == null) {
            String pkg = name.equals("docker-compose") ? "docker-compose" : "prometheus";
            String msg = name + " is not installed (apt-get install " + pkg + ": .ci/run does it)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg + "; CI=true, so this fails instead of skipping");
            }
            Assumptions.abort(msg);
        }
        return p;
    }

    /** A port free now (for the configuration to name before the server starts). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Writes {@code config} to {@code dir/prometheus.yml} and starts Prometheus on {@code port}; returns once it is ready. */
    public static PrometheusServer start(Path binary, Path dir, int port, String config) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--storage.tsdb.retention.time=1h",
                "--web.listen-address=127.0.0.1:" + port, "--web.enable-lifecycle", "--log.level=warn"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile())).start();
        PrometheusServer server = new PrometheusServer(p, dir, port);
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "prometheus-stop"));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (server.status("/-/ready") != 200) {
            if (!p.isAlive()) {
                throw new IllegalStateException("prometheus exited at start:\n" + server.logTail());
            }
            if (System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("prometheus not ready within 60 s:\n" + server.logTail());
            }
            Thread.sleep(100);
        }
        return server;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Replaces the configuration and reloads it; fails when Prometheus refuses the new one. */
    public void reload(String config) throws Exception {
        Files.writeString(dir.resolve("prometheus.yml"), config);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/-/reload")))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("reload refused: " + r.statusCode() + " " + r.body());
        }
    }

    /** The result vector of an instant query now ({@code data.result}); an error status throws with Prometheus' message. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        JsonNode body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return body.path("data").path("result");
    }

    /** Every alert now pending or firing ({@code /api/v1/alerts}). */
    public JsonNode alerts() throws IOException, InterruptedException {
        return get("/api/v1/alerts").path("data").path("alerts");
    }

    /** The active scrape targets ({@code /api/v1/targets}). */
    public JsonNode targets() throws IOException, InterruptedException {
        return get("/api/v1/targets?state=active").path("data").path("activeTargets");
    }

    /** The loaded rule groups ({@code /api/v1/rules}). */
    public JsonNode rules() throws IOException, InterruptedException {
        return get("/api/v1/rules").path("data").path("groups");
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = Json.mapper().readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException(path + ": " + r.statusCode() + " " + body.path("errorType").asText() + ": "
                    + body.path("error").asText());
        }
        return body;
    }

    private int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The last 60 lines of Prometheus' own log. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("prometheus.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
