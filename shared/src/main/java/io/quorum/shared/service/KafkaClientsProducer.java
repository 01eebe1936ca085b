package io.quorum.shared.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaSettings;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The service's {@link KafkaClients}: built from the very {@code kafka.*} configuration the SmallRye channels get
 * (Quarkus's {@code default-kafka-broker} map: {@code -Dkafka.*}, {@code KAFKA_*} variables, application.properties
 * and the client properties file of {@code quorum.kafka.config-file}), with Micrometer's Kafka client metrics bound to
 * every client it builds. Logged once, secrets hidden.
 */
@ApplicationScoped
public class KafkaClientsProducer {

    private static final Logger LOG = Logger.getLogger(KafkaClientsProducer.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "quarkus.application.name", defaultValue = "quorum")
    String service;

    @Produces
    @ApplicationScoped
    KafkaClients clients() {
        KafkaSettings settings = KafkaSettings.of(kafkaConfig);
        LOG.infof("Kafka clients of %s: %s", service, settings.redacted());
        return KafkaClients.of(settings, service).withMetrics(meters);
    }
}
