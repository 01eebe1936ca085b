package io.quorum.shared.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Kafka client settings of a process, from one source: bootstrap servers, security protocol, SASL mechanism and
 * JAAS config, trust- and keystores, {@code client.rack}, compression, timeouts... exactly as Kafka names them
 * ({@code security.protocol}, not {@code kafka.security.protocol}). {@link KafkaClients} builds every consumer,
 * producer and admin client from them, so TLS/SASL given once reaches all clients.
 *
 * <p>Where they come from, highest precedence first:
 * <ul>
 *   <li>in a service: the Quarkus {@code kafka.*} configuration (system properties {@code -Dkafka.sasl.mechanism=...},
 *       environment variables {@code KAFKA_SASL_MECHANISM=...}, {@code application.properties}), which the SmallRye
 *       channels use too, plus the client properties file named by {@code quorum.kafka.config-file}
 *       ({@link KafkaClientFileConfigSourceFactory});</li>
 *   <li>in the CLI and tests: {@link #fromEnvironment}: {@code KAFKA_*} variables mapped the way Quarkus maps them,
 *       then the file named by {@value #CONFIG_FILE_ENV}.</li>
 * </ul>
 * The file is a standard Kafka client properties file (what {@code kafka-console-producer --command-config} takes);
 * keys may carry a {@code kafka.} prefix. {@link #toString()} and {@link #redacted()} hide every secret.
 */
public final class KafkaSettings {

    /** Environment variable naming a Kafka client properties file (property {@code quorum.kafka.config-file}). */
    public static final String CONFIG_FILE_ENV = "QUORUM_KAFKA_CONFIG_FILE";
    /** Configuration property naming a Kafka client properties file. */
    public static final String CONFIG_FILE_PROPERTY = "quorum.kafka.config-file";
    /** Environment variable of the bootstrap servers (property {@code kafka.bootstrap.servers}). */
    public static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";
    /** Bootstrap servers when nothing says otherwise: the local broker of {@code ./quorum up}. */
    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    /** Shown instead of a secret value. */
    public static final String HIDDEN = "[hidden]";

    private static final String BOOTSTRAP = "bootstrap.servers";

    private final Map<String, String> values;

    private KafkaSettings(Map<String, String> values) {
        this.values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** Settings from a map of Kafka client keys ({@code kafka.}-prefixed keys are accepted and unprefixed). */
    public static KafkaSettings of(Map<String, ?> settings) {
        Map<String, String> m = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (v != null) {
                m.put(unprefix(k), String.valueOf(v));
            }
        });
        return new KafkaSettings(m);
    }

    /** Only bootstrap servers: a plaintext cluster. */
    public static KafkaSettings bootstrap(String bootstrapServers) {
        return of(Map.of(BOOTSTRAP, bootstrapServers));
    }

    /**
     * Settings of a process that is not a Quarkus service (the CLI, tests, tools): the file named by
     * {@value #CONFIG_FILE_ENV} (or the system property {@value #CONFIG_FILE_PROPERTY}), overridden by
     * {@code KAFKA_*} environment variables ({@code KAFKA_SECURITY_PROTOCOL} is {@code security.protocol}) and
     * {@code -Dkafka.*} system properties; bootstrap servers default to {@value #DEFAULT_BOOTSTRAP}.
     */
    public static KafkaSettings fromEnvironment(Map<String, String> env, Properties systemProperties) {
        Map<String, String> m = new TreeMap<>();
        String file = systemProperties.getProperty(CONFIG_FILE_PROPERTY, env.get(CONFIG_FILE_ENV));
        if (file != null && !file.isBlank()) {
            m.putAll(readFile(Path.of(file)).values);
        }
        env.forEach((k, v) -> {
            if (k.startsWith("KAFKA_") && v != null) {
                m.put(k.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        systemProperties.stringPropertyNames().stream().filter(k -> k.startsWith("kafka."))
                .forEach(k -> m.put(unprefix(k), systemProperties.getProperty(k)));
        m.putIfAbsent(BOOTSTRAP, DEFAULT_BOOTSTRAP);
        return new KafkaSettings(m);
    }

    /** {@link #fromEnvironment(Map, Properties)} of this process. */
    public static KafkaSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), System.getProperties());
    }

    /** Reads a Kafka client properties file; a {@code kafka.} prefix on its keys is dropped. */
    public static KafkaSettings readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Kafka client properties file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(unprefix(k), p.getProperty(k).trim()));
        return new KafkaSettings(m);
    }

    private static String unprefix(String key) {
        return key.startsWith("kafka.") ? key.substring("kafka.".length()) : key;
    }

    /** These settings with {@code key} set to {@code value} (removed when {@code value} is null). */
    public KafkaSettings with(String key, String value) {
        Map<String, String> m = new TreeMap<>(values);
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return new KafkaSettings(m);
    }

    /** These settings overridden by {@code other}'s. */
    public KafkaSettings with(KafkaSettings other) {
        Map<String, String> m = new TreeMap<>(values);
        m.putAll(other.values);
        return new KafkaSettings(m);
    }

    public String bootstrapServers() {
        return values.getOrDefault(BOOTSTRAP, DEFAULT_BOOTSTRAP);
    }

    /** {@code security.protocol}, PLAINTEXT when unset. */
    public String securityProtocol() {
        return values.getOrDefault("security.protocol", "PLAINTEXT");
    }

    /** Every setting, secrets included: only for building clients. */
    public Map<String, String> values() {
        return values;
    }

    /** Every setting with secret values replaced by {@value #HIDDEN}: safe to log. */
    public Map<String, String> redacted() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> m.put(k, secret(k) ? HIDDEN : v));
        return m;
    }

    /** Whether the value of {@code key} is a secret (passwords, JAAS configs, keys, tokens, credentials). */
    public static boolean secret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.contains("credential") || k.endsWith(".key") || k.contains("keystore.key")
                || k.contains("certificate.chain") && k.contains("keystore");
    }

    @Override
    public String toString() {
        return redacted().toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaSettings other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
