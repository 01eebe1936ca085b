package io.quorum.cli;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Quorum service started as its own JVM (by benchmarks), ready when {@code /q/health/ready} says so. */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static ServiceProcess start(Path jar, List<String> jvmArgs, Map<String, String> properties, Path log, Duration timeout)
            throws IOException, InterruptedException {
        ServiceProcess sp = launch(jar, jvmArgs, properties, log);
        if (!sp.awaitReady(timeout)) {
            sp.close();
            throw new IllegalStateException("service not ready within " + timeout + "; see " + log);
        }
        return sp;
    }

    /** Starts the service without waiting for it to be ready ({@link #awaitReady}). */
    public static ServiceProcess launch(Path jar, List<String> jvmArgs, Map<String, String> properties, Path log)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("service jar " + jar + " is missing; build with ./mvnw -DskipTests package");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        if (jvmArgs.stream().noneMatch(a -> a.matches("-XX:\\+Use\\w+GC"))) {
            cmd.add("-XX:+UseParallelGC"); // the services' default (./quorum up, the images), unless a GC is given
        }
        cmd.add("-Dquarkus.http.port=" + port);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ServiceProcess(p, port, log);
    }

    /** Waits until the service is ready: true, or false after {@code timeout}; throws when it exited meanwhile. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("service exited during start-up; see " + log);
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    public boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://localhost:" + port + "/q/health/ready").toURL()
                    .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** Sum of every series of the Prometheus metric {@code name} on {@code /q/metrics} (all label sets). */
    double metricSum(String name) throws IOException {
        return metricSum(name, "");
    }

    /** Sum of the series of the Prometheus metric {@code name} whose labels contain {@code labelText} (e.g. {@code area="heap"}). */
    double metricSum(String name, String labelText) throws IOException {
        double sum = 0;
        for (String line : get("/q/metrics").split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(labelText)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The body of {@code GET path} on the service (its metrics, its health). */
    String get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://localhost:" + port + path).toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(5000);
        try (var in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return in == null ? "" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The service's OS process (its CPU time, for benchmarks). */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            System.err.println("service did not stop within 60 s of SIGTERM; killed (see " + log + ")");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
