package io.quorum.cli.chaos;

import io.quorum.cli.ServiceProcess;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The system {@code ./quorum up} runs on this machine: brokers of {@code infra/kafka-local}, services whose pids are in
 * {@code <runtime>/pids}. Faults are real signals ({@code kill -9}); repairs go through the same scripts a user runs
 * ({@code kafka-local.sh start-node}, {@code ./quorum start}). Refuses any cluster that is not on this machine's
 * loopback interface: chaos is for a local system only.
 */
public final class LocalSystem implements ChaosSystem {

    private final Path root;
    private final Path runtime;
    private final KafkaClients clients;
    private final FileSystemModelStore store;
    private final int brokers;
    private final String serviceHeap;
    private final List<ServiceProcess> extras = new ArrayList<>();

    public LocalSystem(Path root, Path runtime, KafkaClients clients, FileSystemModelStore store, int brokers, String serviceHeap) {
        requireLoopback(clients.bootstrapServers());
        this.root = root;
        this.runtime = runtime;
        this.clients = clients;
        this.store = store;
        this.brokers = brokers;
        this.serviceHeap = serviceHeap;
    }

    /** Throws unless every bootstrap server is a loopback address. */
    static void requireLoopback(String bootstrap) {
        for (String hostPort : bootstrap.split(",")) {
            String host = hostPort.trim();
            host = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.substring(0, Math.max(0, host.lastIndexOf(':')));
            try {
                if (!InetAddress.getByName(host).isLoopbackAddress()) {
                    throw new IllegalArgumentException("chaos runs against a local system only, and " + hostPort
                            + " is not a loopback address");
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("cannot resolve " + hostPort + ": " + e.getMessage());
            }
        }
    }

    @Override
    public KafkaClients clients() {
        return clients;
    }

    /** The node killed: the last one, so that with three brokers the first stays the usual bootstrap. */
    private int node() {
        return brokers;
    }

    @Override
    public void killBroker() throws Exception {
        run(List.of(root.resolve("infra/kafka-local/kafka-local.sh").toString(), "kill", Integer.toString(node())));
    }

    @Override
    public void restartBroker() throws Exception {
        run(List.of(root.resolve("infra/kafka-local/kafka-local.sh").toString(), "start-node", Integer.toString(node())));
    }

    @Override
    public void killService(String service) throws Exception {
        Path pidFile = runtime.resolve("pids").resolve(service + ".pid");
        if (!Files.exists(pidFile)) {
            throw new IllegalStateException(service + " is not running (no " + pidFile + "): ./quorum up first");
        }
        long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(service + " (pid " + pid
                + ") is not running: ./quorum up first"));
        p.destroyForcibly();
        p.onExit().get(30, TimeUnit.SECONDS);
    }

    @Override
    public void restartService(String service) throws Exception {
        run(List.of(root.resolve("quorum").toString(), "start", service));
    }

    @Override
    public AutoCloseable startExtraInstance(String service) throws Exception {
        Path jar = root.resolve("services").resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
        ServiceProcess p = ServiceProcess.start(jar, List.of(serviceHeap, "-XX:+ExitOnOutOfMemoryError"),
                Map.of("quorum.models.cache-dir", runtime.resolve("cache").resolve(service + "-extra").toString(),
                        "quorum.runtime-dir", runtime.toString(),
                        // a scoring worker, as k8s/base/pair-scoring-workers.yaml runs them: duplicate search has one owner
                        "quorum.pair-scoring.duplicates.enabled", "false"),
                runtime.resolve("logs").resolve(service + "-extra.log"), Duration.ofSeconds(180));
        synchronized (extras) {
            extras.add(p);
        }
        return () -> {
            p.close();
            synchronized (extras) {
                extras.remove(p);
            }
        };
    }

    @Override
    public int hotSwap(String model) throws Exception {
        try (ModelRegistry registry = new ModelRegistry(clients)) {
            return Republish.champion(registry, store, model);
        }
    }

    @Override
    public String describe() {
        return "local system: " + brokers + " broker(s) at " + clients.bootstrapServers() + ", services of ./quorum up";
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
    }
}
