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
        Map<String, String> config = new java.util.HashMap<>();
        TestKafka.broker().clientSettings().forEach((k, v) -> config.put("kafka." + k, v));
        config.put("quarkus.kafka.devservices.enabled", "false");
        config.put("quorum.models.store-dir", TestRegistry.storeRoot().toString());
        config.put("quorum.models.cache-dir", TestRegistry.cacheRoot().toString());
        return config;
    }

    @Override
    public void stop() {
        // the broker is shared by the JVM and stopped at exit
    }
}
