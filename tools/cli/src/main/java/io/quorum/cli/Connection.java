package io.quorum.cli;

import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaSettings;
import io.quorum.shared.model.FileSystemModelStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options every command that talks to Kafka or the model store shares. Kafka settings come from one source, as in
 * the services ({@link KafkaSettings#fromEnvironment()}): the client properties file of {@code --kafka-config} or
 * {@value KafkaSettings#CONFIG_FILE_ENV}, {@code KAFKA_*} variables, and {@code --bootstrap} last.
 */
public final class Connection {

    /** Environment variable of the model store directory (the services' {@code quorum.models.store-dir}). */
    static final String STORE_ENV = "QUORUM_MODELS_STORE_DIR";

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS, default localhost:9092)")
    String bootstrap;

    @Option(names = "--kafka-config", description = "Kafka client properties file: security.protocol, sasl.*, ssl.*, "
            + "client.rack... (env " + KafkaSettings.CONFIG_FILE_ENV + ")")
    Path kafkaConfig;

    @Option(names = "--store", description = "model store directory (env " + STORE_ENV + ", default runtime/models)")
    Path store;

    /** The Kafka client settings of this command. */
    public KafkaSettings kafka() {
        KafkaSettings s = KafkaSettings.fromEnvironment();
        if (kafkaConfig != null) {
            s = s.with(KafkaSettings.readFile(kafkaConfig));
        }
        if (bootstrap != null && !bootstrap.isBlank()) {
            s = s.with("bootstrap.servers", bootstrap);
        }
        return s;
    }

    /** The client factory of this command. */
    public KafkaClients clients() {
        return KafkaClients.of(kafka(), "cli");
    }

    public String bootstrap() {
        return kafka().bootstrapServers();
    }

    /**
     * System properties that give a service this command starts (benchmarks, chaos) the same cluster and security
     * settings: the bootstrap servers and the client properties file (the environment is inherited anyway).
     */
    public Map<String, String> serviceProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("kafka.bootstrap.servers", bootstrap());
        if (kafkaConfig != null) {
            p.put(KafkaSettings.CONFIG_FILE_PROPERTY, kafkaConfig.toAbsolutePath().toString());
        }
        return p;
    }

    public FileSystemModelStore store() {
        if (store != null) {
            return new FileSystemModelStore(store);
        }
        String env = System.getenv(STORE_ENV);
        return new FileSystemModelStore(Path.of(env == null || env.isBlank() ? "runtime/models" : env));
    }
}
