package io.quorum.testing;

import io.quorum.shared.files.TempDir;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real Apache Kafka broker inside the test JVM: one combined broker+controller KRaft node, storage formatted with
 * {@code StorageTool}, run by {@code KafkaRaftServer} (the same classes as {@code kafka.Kafka}), on free ports
 * with a temporary log directory.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {

    private final KafkaRaftServer server;
    private final Path logDir;
    private final int port;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path logDir, int port) {
        this.server = server;
        this.logDir = logDir;
        this.port = port;
    }

    public static EmbeddedKafkaBroker start() {
        try {
            Path dir = Files.createTempDirectory("quorum-kafka-");
            int port = freePort();
            int controllerPort = freePort();
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
            props.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", dir.resolve("data").toString());
            props.put("num.partitions", "1");
            props.put("auto.create.topics.enable", "true");
            props.putAll(singleNodeDefaults());
            formatStorage(writeConfig(props, dir.resolve("server.properties")), Uuid.randomUuid().toString());
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            return new EmbeddedKafkaBroker(server, dir, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    @Override
    public String describe() {
        return "in-process KRaft broker at " + bootstrapServers();
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            TempDir.deleteRecursively(logDir);
        }
    }

    /** Replication and tuning settings every one-node test broker shares: RF 1 internal topics, few threads. */
    static Properties singleNodeDefaults() {
        Properties props = new Properties();
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        props.put("log.cleaner.backoff.ms", "1000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        return props;
    }

    /** Writes {@code props} as a broker configuration file; returns {@code file}. */
    static Path writeConfig(Properties props, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "quorum test broker");
        }
        return file;
    }

    /**
     * Formats the log directories of the node configured in {@code config} ({@code kafka-storage.sh format}), with
     * {@code extraArgs} such as {@code --add-scram}.
     */
    static void formatStorage(Path config, String clusterId, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("format", "--cluster-id", clusterId, "--config", config.toString()));
        args.addAll(List.of(extraArgs));
        ByteArrayOutputStream formatOut = new ByteArrayOutputStream();
        int rc;
        try {
            rc = StorageTool.execute(args.toArray(String[]::new), new PrintStream(formatOut, true, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException("kafka storage format failed: " + e + "\n" + formatOut.toString(StandardCharsets.UTF_8), e);
        }
        if (rc != 0) {
            throw new IllegalStateException("kafka storage format failed: " + formatOut.toString(StandardCharsets.UTF_8));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
