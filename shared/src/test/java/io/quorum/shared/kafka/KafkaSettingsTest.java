package io.quorum.shared.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSettingsTest {

    static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"quorum\" password=\"s3cret\";";

    @Test
    void theFileTheEnvironmentAndSystemPropertiesMakeOneSetOfSettings(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, """
                bootstrap.servers=kafka-0:9093,kafka-1:9093
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                kafka.ssl.truststore.location=/etc/kafka/truststore.p12
                ssl.truststore.password=changeit
                compression.type=zstd
                """ + "sasl.jaas.config=" + JAAS.replace("\"", "\\\"") + "\n");
        Properties sys = new Properties();
        sys.setProperty("kafka.client.rack", "zone-b");
        sys.setProperty("unrelated", "x");
        KafkaSettings s = KafkaSettings.fromEnvironment(Map.of(KafkaSettings.CONFIG_FILE_ENV, file.toString(),
                "KAFKA_COMPRESSION_TYPE", "lz4", "PATH", "/bin"), sys);

        assertThat(s.bootstrapServers()).isEqualTo("kafka-0:9093,kafka-1:9093");
        assertThat(s.securityProtocol()).isEqualTo("SASL_SSL");
        assertThat(s.values()).containsEntry("ssl.truststore.location", "/etc/kafka/truststore.p12") // prefix dropped
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("compression.type", "lz4") // the environment overrides the file
                .containsEntry("client.rack", "zone-b") // -Dkafka.* too
                .doesNotContainKeys("unrelated", "path");
    }

    @Test
    void withoutAnySettingItIsTheLocalBroker() {
        KafkaSettings s = KafkaSettings.fromEnvironment(Map.of(), new Properties());
        assertThat(s.bootstrapServers()).isEqualTo(KafkaSettings.DEFAULT_BOOTSTRAP);
        assertThat(s.securityProtocol()).isEqualTo("PLAINTEXT");
    }

    @Test
    void secretsNeverShowInLogs() {
        KafkaSettings s = KafkaSettings.of(Map.of("bootstrap.servers", "b:9092", "sasl.jaas.config", JAAS,
                "ssl.truststore.password", "changeit", "ssl.keystore.password", "ks", "ssl.key.password", "k",
                "sasl.oauthbearer.token.endpoint.url", "https://idp/token", "ssl.keystore.key", "-----BEGIN PRIVATE KEY-----",
                "security.protocol", "SASL_SSL"));
        assertThat(s.toString()).doesNotContain("s3cret", "changeit", "PRIVATE KEY").contains("SASL_SSL", "b:9092");
        assertThat(s.redacted()).containsEntry("sasl.jaas.config", KafkaSettings.HIDDEN)
                .containsEntry("ssl.key.password", KafkaSettings.HIDDEN)
                .containsEntry("security.protocol", "SASL_SSL");
        assertThat(s.values()).containsEntry("sasl.jaas.config", JAAS); // clients still get the real value
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> KafkaSettings.fromEnvironment(Map.of(KafkaSettings.CONFIG_FILE_ENV, missing.toString()),
                new Properties())).isInstanceOf(UncheckedIOException.class).hasMessageContaining(missing.toString());
    }
}
