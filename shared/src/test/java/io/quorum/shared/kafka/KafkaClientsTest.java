package io.quorum.shared.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    static final KafkaSettings SECURED = KafkaSettings.of(Map.of("bootstrap.servers", "localhost:1",
            "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
            "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
            "client.rack", "zone-a", "acks", "1", "group.id", "from-settings", "compression.type", "zstd",
            "config.providers", "file", "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider"));

    @Test
    void everyKindOfClientGetsTheSecuritySettingsAndOnlyKeysItKnows() {
        KafkaClients clients = KafkaClients.of(SECURED, "svc");
        Map<String, Object> consumer = clients.consumerConfig("search", Map.of("group.id", "mine"));
        Map<String, Object> producer = clients.producerConfig("out", Map.of());
        Map<String, Object> admin = clients.adminConfig("topics");
        for (Map<String, Object> c : java.util.List.of(consumer, producer, admin)) {
            assertThat(c).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "PLAIN")
                    .containsKey("sasl.jaas.config").containsEntry("bootstrap.servers", "localhost:1")
                    .containsEntry("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        }
        assertThat(consumer).containsEntry("client.rack", "zone-a").containsEntry("group.id", "mine").doesNotContainKeys("acks", "compression.type");
        assertThat(producer).containsEntry("acks", "1").containsEntry("compression.type", "zstd")
                .doesNotContainKeys("client.rack", "group.id");
        assertThat(admin).doesNotContainKeys("acks", "group.id", "client.rack");
        assertThat(clients.consumerConfig("registry", Map.of())).doesNotContainKey("group.id"); // never inherited
        assertThat((String) consumer.get("client.id")).startsWith("quorum-svc-search-");
        assertThat(consumer.get("client.id")).isNotEqualTo(clients.consumerConfig("search", Map.of()).get("client.id"));
    }

    @Test
    void aReliableProducerIsIdempotentWithAllAcksWhateverTheSettingsSay() {
        KafkaClients clients = KafkaClients.of(SECURED, "svc");
        try (KafkaProducer<String, byte[]> p = clients.reliableProducer("out", Map.of())) {
            assertThat(p).isNotNull(); // constructed without contacting the broker
        }
        Map<String, Object> c = new java.util.HashMap<>(Map.of("acks", "all", "enable.idempotence", true));
        assertThat(clients.producerConfig("out", c)).containsEntry("acks", "all").containsEntry("enable.idempotence", true);
    }

    @Test
    void clientMetricsAreBoundWhileTheClientLivesAndRemovedWhenItCloses() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KafkaClients clients = KafkaClients.of(KafkaSettings.bootstrap("localhost:1"), "svc").withMetrics(registry);
        KafkaConsumer<String, byte[]> consumer = clients.consumer("duplicate-search", Map.of("group.id", "g"));
        KafkaProducer<String, byte[]> producer = clients.producer("output", Map.of());
        assertThat(registry.getMeters()).extracting(m -> m.getId().getName())
                .anyMatch(n -> n.startsWith("kafka.consumer.")).anyMatch(n -> n.startsWith("kafka.producer."));
        assertThat(registry.getMeters()).map(Meter::getId).map(id -> id.getTag("client.id")).filteredOn(java.util.Objects::nonNull)
                .anyMatch(id -> id.startsWith("quorum-svc-duplicate-search-"));
        consumer.close();
        producer.close();
        assertThat(registry.getMeters()).extracting(m -> m.getId().getName())
                .noneMatch(n -> n.startsWith("kafka.consumer.") || n.startsWith("kafka.producer."));
    }
}
