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
    private final Process process;
    private final int port;
    private final Path log;

    private ServiceLauncher(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
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

    /** Starts service {@code name} with extra system properties and waits until {@code /q/health/live} answers. */
    public static ServiceLauncher start(String name, List<String> jvmArgs, Map<String, String> properties) throws Exception {
        Path jar = repositoryRoot().resolve("services").resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services before the system tests");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("kafka.bootstrap.servers", TestKafka.bootstrapServers());
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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServiceLauncher s = new ServiceLauncher(name, p, port, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (s.httpStatus("/q/health/live") != 200) {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up:\n" + s.logTail());
            }
            if (System.nanoTime() > deadline) {
                s.close();
                throw new IllegalStateException(name + " did not start within 120 s:\n" + s.logTail());
            }
            Thread.sleep(200);
        }
        return s;
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
