package io.quorum.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a built Quorum service ({@code services/<name>/target/quarkus-app/quarkus-run.jar}) as its own JVM against
 * the test broker and the test model store, for system tests that exercise several services together.
 */
public final class ServiceLauncher implements AutoCloseable {

    private final String name;
    private final List<String> command;
    private final int port;
    private final Path log;
    private volatile Process process;

    private ServiceLauncher(String name, List<String> command, int port, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.port = port;
        this.log = log;
    }

    /** The repository root (the folder holding {@code services/}), found from the working directory upwards. */
    public static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("services")) && Files.exists(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }

    /** Starts service {@code name} against the JVM's test broker; waits until {@code /q/health/live} answers. */
    public static ServiceLauncher start(String name, List<String> jvmArgs, Map<String, String> properties) throws Exception {
        return start(name, TestKafka.broker(), jvmArgs, properties);
    }

    /**
     * Starts service {@code name} against {@code broker} with extra system properties and waits until
     * {@code /q/health/live} answers. The broker's client settings (security included) reach the service the way
     * they do in production: as a Kafka client properties file named by {@code quorum.kafka.config-file}.
     */
    public static ServiceLauncher start(String name, KafkaBroker broker, List<String> jvmArgs, Map<String, String> properties)
            throws Exception {
        Path jar = repositoryRoot().resolve("services").resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services before the system tests");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path clientFile = broker.writeClientProperties(Files.createTempFile("quorum-" + name + "-kafka-", ".properties"));
        clientFile.toFile().deleteOnExit();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("quorum.kafka.config-file", clientFile.toString());
        props.put("quorum.models.store-dir", TestRegistry.storeRoot().toString());
        props.put("quorum.models.cache-dir", TestRegistry.cacheRoot().resolve(name + "-" + port).toString());
        props.put("quorum.inference.device", "cpu");
        props.putAll(properties);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        Path log = Files.createTempFile("quorum-" + name + "-", ".log");
        ServiceLauncher s = new ServiceLauncher(name, cmd, port, log);
        s.launch();
        return s;
    }

    /** Starts the process (again, after {@link #kill()}) and waits until it is live; the log is appended to. */
    public synchronized void launch() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (httpStatus("/q/health/live") != 200) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up:\n" + logTail());
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException(name + " did not start within 120 s:\n" + logTail());
            }
            Thread.sleep(200);
        }
    }

    /** Kills the process at once (SIGKILL, like {@code kill -9}): no shutdown hook runs, nothing is flushed. */
    public synchronized void kill() throws InterruptedException {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    /** The OS process id of the running process. */
    public long pid() {
        return process.pid();
    }

    public int httpStatus(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            return c.getResponseCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** GET {@code path} as a string (the body of error responses too). */
    public String get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
        c.setReadTimeout(10_000);
        var in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream();
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    /** The whole log of the service (every start of it). */
    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        Process process = this.process;
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
