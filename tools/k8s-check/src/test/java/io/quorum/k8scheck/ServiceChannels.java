package io.quorum.k8scheck;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** The Kafka channels a service consumes, as its application.properties declares them (topic and group id). */
final class ServiceChannels {

    record Incoming(String channel, String topic, String group) {
    }

    private ServiceChannels() {
    }

    static List<Incoming> of(String service) {
        Path file = K8sTree.root().resolve("services").resolve(service).resolve("src/main/resources/application.properties");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("no application.properties for service " + service, e);
        }
        List<Incoming> in = new ArrayList<>();
        for (String key : p.stringPropertyNames()) {
            String channel = key.startsWith("mp.messaging.incoming.") && key.endsWith(".topic")
                    ? key.substring("mp.messaging.incoming.".length(), key.length() - ".topic".length()) : "";
            // mp.messaging.incoming.<channel>.topic, not a setting of the channel's (dead-letter-queue.topic)
            if (!channel.isEmpty() && !channel.contains(".")) {
                in.add(new Incoming(channel, p.getProperty(key), p.getProperty("mp.messaging.incoming." + channel + ".group.id")));
            }
        }
        if (in.isEmpty()) {
            throw new IllegalStateException(file + " declares no incoming channel");
        }
        return in;
    }
}
