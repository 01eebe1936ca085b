package io.quorum.testing;

import io.quorum.shared.files.TempDir;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * Three real Kafka nodes for replication and failure tests, each a combined broker+controller KRaft node (three
 * voters) in <em>its own JVM</em>, so that one can be killed with SIGKILL like {@code kill -9}. The nodes run
 * {@code kafka.Kafka} (through {@link KafkaNodeMain}) from the test JVM's class path with a small heap; their
 * storage is formatted in the test JVM with {@code StorageTool} (one cluster id); ports are free ones picked at
 * start and kept across restarts, data lives in a temporary directory, and each node logs to
 * {@code node-<id>/broker.log} there ({@link #logTail(int, int)} shows it when something fails).
 *
 * <p>Cluster defaults are production-like: {@code default.replication.factor=3}, {@code min.insync.replicas=2},
 * RF 3 / min ISR 2 for the offsets, transaction and share-state topics. Listeners are PLAINTEXT; nodes are
 * numbered by their Kafka {@code node.id}, 1 to 3, as the Admin API reports them.
 */
public final class KafkaCluster implements KafkaBroker {

    /** The number of nodes (and controller voters). */
    public static final int SIZE = 3;

    /** The heap of each node's JVM. */
    public static final String NODE_HEAP = "-Xmx384m";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final String clusterId;
    private final Map<Integer, Integer> ports = new LinkedHashMap<>();
    private final Map<Integer, Integer> controllerPorts = new LinkedHashMap<>();
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final Map<Integer, OutputStream> lifelines = new LinkedHashMap<>();
    private final Map<Integer, Long> logOffsets = new LinkedHashMap<>();
    private final Thread shutdownHook;

    private KafkaCluster(Path dir) {
        this.dir = dir;
        this.clusterId = Uuid.randomUuid().toString();
        this.shutdownHook = new Thread(this::killAll, "quorum-test-kafka-cluster-stop");
    }

    /**
     * Formats and starts the three nodes and returns when all of them are registered and unfenced (the Admin API's
     * {@code describeCluster} lists them).
     */
    public static KafkaCluster start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("quorum-kafka-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaCluster cluster = new KafkaCluster(dir);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            for (int id : cluster.nodeIds()) {
                cluster.ports.put(id, EmbeddedKafkaBroker.freePort());
                cluster.controllerPorts.put(id, EmbeddedKafkaBroker.freePort());
            }
            for (int id : cluster.nodeIds()) {
                Path config = cluster.writeNodeConfig(id);
                EmbeddedKafkaBroker.formatStorage(config, cluster.clusterId);
            }
            for (int id : cluster.nodeIds()) {
                cluster.launch(id);
            }
            cluster.await("all " + SIZE + " nodes started, registered and unfenced", START_TIMEOUT, cluster.nodeIds(),
                    admin -> cluster.nodeIds().stream().allMatch(cluster::upSinceLaunch)
                            && cluster.liveBrokers(admin).containsAll(cluster.nodeIds()));
            return cluster;
        } catch (RuntimeException | IOException e) {
            cluster.close();
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
    }

    /** The node ids, 1 to {@value #SIZE}. */
    public List<Integer> nodeIds() {
        return IntStream.rangeClosed(1, SIZE).boxed().toList();
    }

    /** Every node's client listener, killed or not: {@code localhost:p1,localhost:p2,localhost:p3}. */
    @Override
    public String bootstrapServers() {
        return ports.values().stream().map(p -> "localhost:" + p).collect(Collectors.joining(","));
    }

    /** The client listener of one node. */
    public String bootstrapServers(int nodeId) {
        return "localhost:" + port(nodeId);
    }

    /** Whether the node's JVM is alive. */
    public synchronized boolean isRunning(int nodeId) {
        Process p = processes.get(checkId(nodeId));
        return p != null && p.isAlive();
    }

    /** Sends SIGKILL to the node's JVM (like {@code kill -9}) and returns when the process is gone. */
    public void kill(int nodeId) {
        Process p = process(nodeId);
        // through the ProcessHandle: Process.destroy*() also closes the node's stdin, its watchdog's lifeline
        p.toHandle().destroyForcibly();
        awaitExit(nodeId, p, Duration.ofSeconds(30));
    }

    /**
     * Stops the node gracefully (SIGTERM: controlled shutdown, leadership moved away) and returns when the process
     * is gone; SIGKILL after {@code 60 s}.
     */
    public void stop(int nodeId) {
        Process p = process(nodeId);
        p.toHandle().destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                System.err.println("[quorum-test] Kafka node " + nodeId + " did not stop within " + STOP_TIMEOUT + ", killing it");
                p.toHandle().destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.toHandle().destroyForcibly();
        }
        awaitExit(nodeId, p, Duration.ofSeconds(30));
    }

    /**
     * Starts the node again (stopped gracefully first if it still runs) with the same ports, data and log, and
     * returns when it is registered and unfenced and back in the ISR of every partition it hosts.
     */
    public void restart(int nodeId) {
        if (isRunning(nodeId)) {
            stop(nodeId);
        }
        launch(nodeId);
        // the log first: until the new JVM has registered, the cluster may still list the old one as live
        await("node " + nodeId + " started, registered and unfenced", START_TIMEOUT, List.of(nodeId),
                admin -> upSinceLaunch(nodeId) && liveBrokers(admin).contains(nodeId));
        await("node " + nodeId + " back in the ISR of all its partitions", START_TIMEOUT, List.of(nodeId),
                admin -> outOfSyncPartitions(admin, nodeId).isEmpty());
    }

    /** The node's broker log (stdout and stderr of its JVM, appended across restarts). */
    public Path logFile(int nodeId) {
        return nodeDir(checkId(nodeId)).resolve("broker.log");
    }

    /** The last {@code lines} lines of the node's log, for failure messages. */
    public String logTail(int nodeId, int lines) {
        Path log = logFile(nodeId);
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 200L * lines);
            f.seek(from);
            byte[] buf = new byte[(int) (len - from)];
            f.readFully(buf);
            List<String> all = List.of(new String(buf, StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log " + log + ": " + e + ")";
        }
    }

    @Override
    public String describe() {
        return SIZE + "-node KRaft cluster (one JVM per node) at " + bootstrapServers();
    }

    /** Kills every node (nothing is kept: SIGKILL is quickest) and deletes the data. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        TempDir.deleteRecursively(dir);
    }

    // ---- internals

    private synchronized void killAll() {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Map.Entry<Integer, Process> e : processes.entrySet()) {
            try {
                e.getValue().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        lifelines.values().forEach(KafkaCluster::closeQuietly);
        lifelines.clear();
    }

    private Path nodeDir(int nodeId) {
        return dir.resolve("node-" + nodeId);
    }

    private int port(int nodeId) {
        return ports.get(checkId(nodeId));
    }

    private int checkId(int nodeId) {
        if (nodeId < 1 || nodeId > SIZE) {
            throw new IllegalArgumentException("no node " + nodeId + ": nodes are 1 to " + SIZE);
        }
        return nodeId;
    }

    private synchronized Process process(int nodeId) {
        Process p = processes.get(checkId(nodeId));
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        return p;
    }

    private Path writeNodeConfig(int nodeId) throws IOException {
        Path nodeDir = Files.createDirectories(nodeDir(nodeId));
        String voters = controllerPorts.entrySet().stream().map(e -> e.getKey() + "@localhost:" + e.getValue())
                .collect(Collectors.joining(","));
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        props.put("controller.quorum.voters", voters);
        props.put("listeners", "PLAINTEXT://localhost:" + port(nodeId) + ",CONTROLLER://localhost:" + controllerPorts.get(nodeId));
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + port(nodeId));
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", nodeDir.resolve("data").toString());
        props.putAll(clusterDefaults());
        return EmbeddedKafkaBroker.writeConfig(props, nodeDir.resolve("server.properties"));
    }

    /** Replication defaults of a production-like 3-node cluster, and small thread pools (3 JVMs share the CPUs). */
    static Properties clusterDefaults() {
        Properties props = new Properties();
        props.put("num.partitions", "3");
        props.put("default.replication.factor", "3");
        props.put("min.insync.replicas", "2");
        props.put("auto.create.topics.enable", "true");
        props.put("offsets.topic.replication.factor", "3");
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.replication.factor", "3");
        props.put("transaction.state.log.min.isr", "2");
        props.put("transaction.state.log.num.partitions", "5");
        props.put("share.coordinator.state.topic.replication.factor", "3");
        props.put("share.coordinator.state.topic.min.isr", "2");
        props.put("share.coordinator.state.topic.num.partitions", "5");
        props.put("group.initial.rebalance.delay.ms", "0");
        // a killed node is fenced (and dropped from every ISR) after 6 s without a heartbeat instead of 9 s
        props.put("broker.heartbeat.interval.ms", "1000");
        props.put("broker.session.timeout.ms", "6000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("num.replica.fetchers", "1");
        props.put("background.threads", "2");
        props.put("log.cleaner.backoff.ms", "1000");
        return props;
    }

    private void launch(int nodeId) {
        Path nodeDir = nodeDir(nodeId);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(NODE_HEAP, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true"));
        cmd.addAll(loggingOptions());
        cmd.addAll(List.of("-cp", childClassPath(), KafkaNodeMain.class.getName(),
                nodeDir.resolve("server.properties").toString()));
        synchronized (this) {
            Process old = processes.get(nodeId);
            if (old != null && old.isAlive()) {
                throw new IllegalStateException("node " + nodeId + " is already running");
            }
            closeQuietly(lifelines.remove(nodeId));
            try {
                logOffsets.put(nodeId, Files.exists(logFile(nodeId)) ? Files.size(logFile(nodeId)) : 0L);
                Files.writeString(logFile(nodeId), "[quorum-test] ---- starting node " + nodeId + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                Process p = new ProcessBuilder(cmd).directory(nodeDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(nodeId).toFile())).start();
                processes.put(nodeId, p);
                lifelines.put(nodeId, p.getOutputStream());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start Kafka node " + nodeId, e);
            }
        }
    }

    /**
     * {@link KafkaNodeMain} configures {@code java.util.logging}; on a Quarkus test class path SLF4J logs through the
     * JBoss LogManager, which is that only when it is the JVM's log manager.
     */
    private static List<String> loggingOptions() {
        List<String> options = new ArrayList<>(List.of("-Dlog4j2.statusLoggerLevel=OFF"));
        try {
            Class.forName("org.jboss.logmanager.LogManager", false, KafkaCluster.class.getClassLoader());
            options.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        } catch (ClassNotFoundException e) {
            // another SLF4J backend logs on its own
        }
        return options;
    }

    /**
     * The test JVM's class path. Surefire and Failsafe may start the test JVM from a manifest-only jar; its
     * {@code Class-Path} is then the real class path.
     */
    static String childClassPath() {
        String cp = System.getProperty("java.class.path");
        String[] entries = cp.split(File.pathSeparator);
        if (entries.length == 1 && entries[0].endsWith(".jar")) {
            try (JarFile jar = new JarFile(entries[0])) {
                Manifest m = jar.getManifest();
                String manifestCp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                if (manifestCp != null && !manifestCp.isBlank()) {
                    List<String> paths = new ArrayList<>();
                    for (String url : manifestCp.trim().split("\\s+")) {
                        paths.add(Path.of(java.net.URI.create(url)).toString());
                    }
                    return String.join(File.pathSeparator, paths);
                }
            } catch (IOException | IllegalArgumentException e) {
                // not a manifest-only jar: use it as it is
            }
        }
        return cp;
    }

    private void awaitExit(int nodeId, Process p, Duration timeout) {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Kafka node " + nodeId + " (pid " + p.pid() + ") still runs after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for node " + nodeId + " to exit", e);
        }
        synchronized (this) {
            closeQuietly(lifelines.remove(nodeId));
        }
    }

    /**
     * Whether the node's current JVM is up: it logged {@code Kafka Server started} since it was launched (which
     * {@code kafka.Kafka} does once the broker is registered and unfenced) or, when the class path's logging shows
     * no INFO lines at all, it answers a client that knows no other node (a broker serves requests only once
     * unfenced).
     */
    private boolean upSinceLaunch(int nodeId) {
        String log = logSinceLaunch(nodeId);
        if (log.contains("Kafka Server started")) {
            return true;
        }
        if (log.contains(" INFO ")) {
            return false;
        }
        Map<String, Object> conf = Map.of("bootstrap.servers", bootstrapServers(nodeId), "request.timeout.ms", "2000",
                "default.api.timeout.ms", "2000", "reconnect.backoff.max.ms", "500");
        try (Admin alone = Admin.create(conf)) {
            alone.describeCluster().clusterId().get(3, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What the node's JVM has logged since it was last launched. */
    private synchronized String logSinceLaunch(int nodeId) {
        long offset = logOffsets.getOrDefault(nodeId, 0L);
        try (RandomAccessFile f = new RandomAccessFile(logFile(nodeId).toFile(), "r")) {
            f.seek(offset);
            byte[] buf = new byte[(int) Math.max(0, f.length() - offset)];
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The brokers the cluster reports as registered and unfenced. */
    private Set<Integer> liveBrokers(Admin admin) throws Exception {
        return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
    }

    /** Partitions with {@code nodeId} among their replicas but not in their ISR, as {@code topic-partition}. */
    private List<String> outOfSyncPartitions(Admin admin, int nodeId) throws Exception {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(10, TimeUnit.SECONDS);
        Collection<TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values();
        List<String> out = new ArrayList<>();
        for (TopicDescription t : described) {
            for (TopicPartitionInfo p : t.partitions()) {
                boolean hosts = p.replicas().stream().anyMatch(n -> n.id() == nodeId);
                boolean inSync = p.isr().stream().anyMatch(n -> n.id() == nodeId);
                if (hosts && !inSync) {
                    out.add(t.name() + "-" + p.partition());
                }
            }
        }
        return out;
    }

    private interface AdminCheck {
        boolean test(Admin admin) throws Exception;
    }

    /** Polls {@code check} until it holds; fails early, with the node's log, when a node of {@code watched} exits. */
    private void await(String what, Duration timeout, List<Integer> watched, AdminCheck check) {
        Map<String, Object> conf = new LinkedHashMap<>(clientSettings());
        conf.put("request.timeout.ms", "10000");
        conf.put("default.api.timeout.ms", "10000");
        conf.put("reconnect.backoff.max.ms", "1000");
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(conf)) {
            while (true) {
                for (int id : watched) {
                    if (!isRunning(id)) {
                        throw new IllegalStateException("Kafka node " + id + " exited while waiting for " + what
                                + "; last lines of " + logFile(id) + ":\n" + logTail(id, 40));
                    }
                }
                try {
                    if (check.test(admin)) {
                        return;
                    }
                    last = null;
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + what, e);
                } catch (Exception e) {
                    throw new IllegalStateException("failed while waiting for " + what, e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out after " + timeout + " waiting for " + what
                            + (last == null ? "" : " (last error: " + last + ")") + "; last lines of " + logFile(watched.get(0))
                            + ":\n" + logTail(watched.get(0), 40));
                }
                pause();
            }
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void closeQuietly(OutputStream s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // the process is gone
            }
        }
    }
}
