package io.quorum.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;

/** A real Kafka broker (or cluster) for tests. */
public interface KafkaBroker extends AutoCloseable {

    /** {@code host:port[,host:port...]} of the client listener; {@link #clientSettings()} says how to talk to it. */
    String bootstrapServers();

    /**
     * Everything a Kafka client needs to connect: {@code bootstrap.servers} and, for a secured broker,
     * {@code security.protocol}, {@code sasl.*} and {@code ssl.truststore.*}. Put them into any producer, consumer
     * or admin configuration as they are. Contains secrets: do not log it.
     */
    default Map<String, String> clientSettings() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }

    /**
     * Writes {@link #clientSettings()} as a Kafka client properties file ({@code key=value} lines, sorted, readable
     * by {@code java.util.Properties}, {@code kafka-console-*.sh --command-config} and the like), readable only by
     * the owner, for services started as separate JVMs. Returns {@code file}.
     */
    default Path writeClientProperties(Path file) {
        Map<String, String> settings = new TreeMap<>(clientSettings());
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write("# Kafka client settings for " + describe() + "\n");
                for (Map.Entry<String, String> e : settings.entrySet()) {
                    w.write(e.getKey() + "=" + propertiesValue(e.getValue()) + "\n");
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** How the broker runs ({@code in-process KRaft}, {@code container ...}). */
    String describe();

    @Override
    void close();

    /**
     * A value as a properties-file value: written as it is (so tools that read plain {@code key=value} lines see
     * the same text), except for the characters {@code Properties.load} would otherwise change.
     */
    private static String propertiesValue(String value) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a client setting spans lines: " + value.replaceAll("(?i)password=\\S+", "password=***"));
        }
        String v = value.replace("\\", "\\\\");
        return v.startsWith(" ") || v.startsWith("\t") ? "\\" + v : v;
    }
}
