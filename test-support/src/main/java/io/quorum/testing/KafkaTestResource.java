package io.quorum.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The test resource every Quarkus integration test uses: points {@code kafka.bootstrap.servers} at the JVM's real
 * broker ({@link TestKafka}) and the model store at the JVM's test store ({@link TestRegistry}). Dev services are off; the broker outlives the Quarkus app so several test classes
 * share it.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "kafka.bootstrap.servers", TestKafka.bootstrapServers(),
                "quarkus.kafka.devservices.enabled", "false",
                "quorum.models.store-dir", TestRegistry.storeRoot().toString(),
                "quorum.models.cache-dir", TestRegistry.cacheRoot().toString());
    }

    @Override
    public void stop() {
        // the broker is shared by the JVM and stopped at exit
    }
}
