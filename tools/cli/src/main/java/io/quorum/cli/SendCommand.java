package io.quorum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.json.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Sends one record per line of a file (or stdin) to a topic. */
@Command(name = "send", description = "Send one record per input line (JSON values) to a topic.")
final class SendCommand implements Callable<Integer> {

    private static final List<String> KEY_FIELDS = List.of("pairId", "questionId", "requestId", "imageId", "id", "jobId",
            "name");

    @Mixin
    Connection connection;

    @Parameters(index = "0", description = "topic")
    String topic;

    @Parameters(index = "1", defaultValue = "-", description = "file with one JSON value per line, or - for stdin")
    String input;

    @Option(names = "--key-field", description = "JSON field whose value is the record key (default: pairId, questionId, requestId, imageId, id, jobId, name)")
    String keyField;

    @Override
    public Integer call() throws Exception {
        int sent = 0;
        int invalid = 0;
        try (KafkaProducer<String, byte[]> producer = connection.clients().reliableProducer("send", Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000));
             BufferedReader in = input.equals("-")
                     ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                     : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String key = null;
                try {
                    JsonNode node = Json.mapper().readTree(line);
                    for (String f : keyField != null ? List.of(keyField) : KEY_FIELDS) {
                        if (node != null && node.hasNonNull(f)) {
                            key = node.get(f).asText();
                            break;
                        }
                    }
                } catch (java.io.IOException e) {
                    invalid++; // sent anyway: the consuming service dead-letters it with the reason
                }
                producer.send(new ProducerRecord<>(topic, key, line.getBytes(StandardCharsets.UTF_8)));
                sent++;
            }
            producer.flush();
            producer.close(Duration.ofSeconds(10));
        }
        System.err.printf("sent %d record(s) to %s%s%n", sent, topic,
                invalid == 0 ? "" : " (" + invalid + " not valid JSON: expect them on " + topic + ".dlq)");
        return 0;
    }
}
