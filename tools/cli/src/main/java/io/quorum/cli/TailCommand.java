package io.quorum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorum.shared.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints the records of a topic as JSON lines, following it like tail -f. */
@Command(name = "tail", description = "Print a topic's records as JSON lines (topic, partition, offset, key, headers, value).")
final class TailCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Parameters(index = "0", description = "topic")
    String topic;

    @Option(names = {"-b", "--from-beginning"}, description = "start at the beginning instead of the end")
    boolean fromBeginning;

    @Option(names = {"-n", "--max"}, description = "stop after this many records")
    long max = Long.MAX_VALUE;

    @Option(names = "--idle-timeout", description = "stop after this many seconds without a record (default: never)")
    long idleSeconds = -1;

    @Override
    public Integer call() {
        try (KafkaConsumer<String, byte[]> c = connection.clients().consumer("tail",
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
            var infos = c.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                System.err.println("quorum: no topic " + topic + " (./quorum topics list shows them)");
                return 1;
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            if (fromBeginning) {
                c.seekToBeginning(parts);
            } else {
                c.seekToEnd(parts);
            }
            long printed = 0;
            long lastRecord = System.nanoTime();
            while (printed < max) {
                var records = c.poll(Duration.ofMillis(250));
                if (records.isEmpty() && idleSeconds >= 0
                        && System.nanoTime() - lastRecord > Duration.ofSeconds(idleSeconds).toNanos()) {
                    break;
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    System.out.println(Json.toString(line(r)));
                    lastRecord = System.nanoTime();
                    if (++printed >= max) {
                        break;
                    }
                }
                System.out.flush();
            }
        }
        return 0;
    }

    static ObjectNode line(ConsumerRecord<String, byte[]> r) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("topic", r.topic());
        o.put("partition", r.partition());
        o.put("offset", r.offset());
        o.put("timestamp", r.timestamp());
        o.put("key", r.key());
        if (r.headers().iterator().hasNext()) {
            ObjectNode h = o.putObject("headers");
            for (Header header : r.headers()) {
                h.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        if (r.value() == null) {
            o.putNull("value");
        } else {
            try {
                JsonNode v = Json.mapper().readTree(r.value());
                o.set("value", v);
            } catch (java.io.IOException e) {
                o.put("raw", new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return o;
    }
}
