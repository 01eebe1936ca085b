package io.quorum.shared.service;

import io.quorum.shared.kafka.KafkaSettings;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Reads the Kafka client properties file named by {@code quorum.kafka.config-file} (environment
 * {@code QUORUM_KAFKA_CONFIG_FILE}) into the configuration as {@code kafka.*} keys, so one file (a mounted Secret in
 * Kubernetes, the same file the CLI reads) configures the SmallRye channels and every client {@code KafkaClients}
 * builds. Its ordinal (260) is above application.properties and below environment variables and system properties,
 * which still override single keys. Registered through {@code META-INF/services}.
 */
public final class KafkaClientFileConfigSourceFactory implements ConfigSourceFactory {

    static final int ORDINAL = 260;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue file = context.getValue(KafkaSettings.CONFIG_FILE_PROPERTY);
        if (file == null || file.getValue() == null || file.getValue().isBlank()) {
            return List.of();
        }
        Map<String, String> prefixed = new TreeMap<>();
        KafkaSettings.readFile(Path.of(file.getValue())).values().forEach((k, v) -> prefixed.put("kafka." + k, v));
        return List.of(new MapBackedConfigSource("Kafka client properties " + file.getValue(), prefixed, ORDINAL) {
        });
    }
}
