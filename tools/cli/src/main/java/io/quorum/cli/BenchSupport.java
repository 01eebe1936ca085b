package io.quorum.cli;

import io.quorum.shared.json.Json;
import io.quorum.shared.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/** What the {@code bench} commands share: the options of a service run, rounding and logging figures, keeping the JSON. */
final class BenchSupport {

    private BenchSupport() {
    }

    /** Options of the one service instance a benchmark starts and times ({@code @Mixin}). */
    static final class ServiceRun {

        @Option(names = "--service-jvm-arg", paramLabel = "<serviceJvmArgs>",
                description = "JVM argument of the service instance (repeatable; default -Xmx1g)")
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx1g"));

        @Option(names = "--timeout", defaultValue = "900", description = "seconds to wait for each service run")
        long timeout;

        @Option(names = "--runtime", defaultValue = "runtime", description = "runtime directory (logs, cache, results)")
        Path runtime;
    }

    /** Resolves model references against the registry as it is now; versions fetched into {@code <runtime>/cache/bench}. */
    static ModelResolver resolver(Connection connection, Path runtime) throws TimeoutException, InterruptedException {
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            return new ModelResolver(registry.snapshot(Duration.ofSeconds(30)), connection.store(),
                    runtime.resolve("cache/bench"));
        }
    }

    /** One decimal. */
    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Three decimals (ratios). */
    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** A progress line on stderr (stdout carries the JSON). */
    static void log(String fmt, Object... args) {
        System.err.println("[bench] " + String.format(fmt, args));
    }

    /** Keeps {@code out} as {@code <runtime>/bench/<benchmark>-<run>.json}; returns the JSON. */
    static String keep(Path runtime, String benchmark, String run, Map<String, Object> out) throws IOException {
        String json = Json.toPrettyString(out);
        Path dir = runtime.resolve("bench");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(benchmark + "-" + run + ".json"), json);
        return json;
    }

    /** Also writes {@code json} to {@code results} ({@code --results}, e.g. under docs/results), if given. */
    static void writeResults(Path results, String json) throws IOException {
        if (results == null) {
            return;
        }
        Path parent = results.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(results, json);
    }
}
