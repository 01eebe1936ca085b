package io.quorum.cli;

import io.quorum.shared.events.PhotoHeaders;
import io.quorum.shared.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Publishes photo files the way a camera or upload service would: each file's raw bytes are one record's value, its
 * metadata CloudEvents binary-mode headers ({@link PhotoHeaders}); the image id is the file name (or a prefix + it).
 */
@Command(name = "send-photos", description = "Publish photo files (raw JPEG/PNG bytes, CloudEvents headers) to quorum.images.")
final class SendPhotosCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Parameters(arity = "1..*", description = "photo files or directories (every file directly inside)")
    List<Path> inputs;

    @Option(names = "--topic", defaultValue = Topics.IMAGES, description = "topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--aligned", negatable = true, description = "say the photos are already aligned face crops "
            + "(header ce_aligned); absent: the service's configured default")
    Boolean aligned;

    @Option(names = "--explain", description = "ask for an occlusion-sensitivity map of each photo (header quorum_explain=occlusion; "
            + "PNGs on quorum.images.explained)")
    boolean explain;

    @Option(names = "--id-prefix", defaultValue = "", description = "prefix of each image id (ce_id)")
    String idPrefix;

    @Option(names = "--source", defaultValue = "quorum-cli", description = "ce_source (default ${DEFAULT-VALUE})")
    String source;

    @Override
    public Integer call() throws Exception {
        List<Path> files = files(inputs);
        int sent = 0;
        try (KafkaProducer<String, byte[]> producer = connection.clients().reliableProducer("send-photos",
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20))) {
            for (Path f : files) {
                String id = idPrefix + f.getFileName();
                producer.send(new ProducerRecord<>(topic, null, id, Files.readAllBytes(f),
                        headers(id, source, f.getFileName().toString(), aligned, explain)));
                sent++;
            }
            producer.flush();
            producer.close(Duration.ofSeconds(10));
        }
        System.err.printf("sent %d photo(s) to %s (scores on %s, refusals on %s)%n", sent, topic, Topics.IMAGES_SCORED,
                Topics.dlq(topic));
        return 0;
    }

    /**
     * The CloudEvents binary-mode headers of one photo record: id, source, type, spec version, content type from the
     * file name, and optionally {@code ce_aligned} (null: the service's default) and the explanation request.
     */
    static RecordHeaders headers(String id, String source, String fileName, Boolean aligned, boolean explain) {
        RecordHeaders h = new RecordHeaders();
        h.add(PhotoHeaders.ID, utf8(id));
        h.add(PhotoHeaders.SOURCE, utf8(source));
        h.add(PhotoHeaders.TYPE, utf8(PhotoHeaders.TYPE_PHOTO_SUBMITTED));
        h.add(PhotoHeaders.SPEC_VERSION, utf8(PhotoHeaders.SPEC_VERSION_1));
        h.add(PhotoHeaders.CONTENT_TYPE, utf8(PhotoHeaders.contentType(fileName)));
        if (aligned != null) {
            h.add(PhotoHeaders.ALIGNED, utf8(aligned.toString()));
        }
        if (explain) {
            h.add(PhotoHeaders.EXPLAIN, utf8("occlusion"));
        }
        return h;
    }

    /** The files named, and the regular files directly inside the directories named, in name order. */
    static List<Path> files(List<Path> inputs) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IOException("no such photo file or directory: " + p);
            }
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
