package io.quorum.cli;

import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.json.Json;
import io.quorum.shared.topics.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Requests a training job on {@code quorum.training.requested} and follows it with a live progress bar. */
@Command(name = "train", description = "Start a training job and follow it (progress bar, final metrics as JSON).")
final class TrainCommand implements Callable<Integer> {

    private static final EventCodec<TrainingProgress> CODEC = EventCodec.of(TrainingProgress.class, TrainingProgress.SCHEMA_VERSION);

    @Mixin
    Connection connection;

    @Parameters(index = "0", description = "job kind, e.g. pair-scorer")
    String job;

    @Parameters(index = "1..*", arity = "0..*", description = "parameters as key=value (e.g. epochs=20 hidden=128)")
    List<String> assignments = List.of();

    @Option(names = "--data", description = "shorthand for data=<file or 'generated'>")
    String data;

    @Option(names = "--seed", description = "random seed")
    long seed;

    @Option(names = "--job-id", description = "id to give the job (default: generated)")
    String jobId;

    @Option(names = "--no-wait", description = "queue the job and return")
    boolean noWait;

    @Option(names = "--timeout", description = "seconds to follow the job (default 7200)")
    long timeoutSeconds = 7200;

    @Override
    public Integer call() throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("parameters are key=value, got '" + a + "'");
            }
            params.put(a.substring(0, eq), a.substring(eq + 1));
        }
        if (data != null) {
            params.put("data", data);
        }
        String id = jobId != null ? jobId : job + "-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingRequested req = new TrainingRequested(TrainingRequested.SCHEMA_VERSION, id, job, params, seed, "cli",
                System.currentTimeMillis());
        try (KafkaConsumer<String, byte[]> progress = progressReader()) {
            try (KafkaProducer<String, byte[]> producer = connection.clients().reliableProducer("train", Map.of())) {
                producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTED, id, Json.toBytes(req))).get();
            }
            System.err.println("requested " + job + " as job " + id + (params.isEmpty() ? "" : " with " + params));
            if (noWait) {
                System.out.println(id);
                return 0;
            }
            return follow(progress, id);
        }
    }

    private KafkaConsumer<String, byte[]> progressReader() {
        KafkaConsumer<String, byte[]> c = connection.clients().consumer("train-progress",
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<TopicPartition> parts = c.partitionsFor(Topics.TRAINING_PROGRESS, Duration.ofSeconds(15)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        return c;
    }

    private int follow(KafkaConsumer<String, byte[]> c, String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        boolean tty = System.console() != null;
        long lastLine = 0;
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(250))) {
                if (!id.equals(r.key())) {
                    continue;
                }
                TrainingProgress p;
                try {
                    p = CODEC.decode(r.value());
                } catch (InvalidEventException e) {
                    continue;
                }
                if (p.state().terminal()) {
                    if (tty) {
                        System.err.print("\r\033[K");
                    }
                    System.err.println(p.state() + ": " + p.message());
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("jobId", p.jobId());
                    result.put("state", p.state());
                    result.put("model", p.model());
                    result.put("version", p.modelVersion());
                    result.put("promoted", p.promoted());
                    result.put("metrics", p.metrics());
                    result.put("message", p.message());
                    System.out.println(Json.toPrettyString(result));
                    return p.state() == TrainingProgress.State.PUBLISHED ? 0 : 1;
                }
                String line = render(p);
                if (tty) {
                    System.err.print("\r\033[K" + line);
                } else if (System.nanoTime() - lastLine > 5_000_000_000L || p.message() != null) {
                    System.err.println(line);
                    lastLine = System.nanoTime();
                }
            }
        }
        System.err.println("\ngave up following " + id + " after " + timeoutSeconds + " s (it keeps running in the trainer)");
        return 2;
    }

    static String render(TrainingProgress p) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-10s", p.state()));
        if (p.epochs() > 0) {
            int width = 24;
            int done = (int) Math.round(width * Math.min(1.0, (double) Math.max(0, p.epoch() - 1) / p.epochs()));
            sb.append(" [").append("#".repeat(done)).append(".".repeat(width - done)).append("] ");
            sb.append(String.format("epoch %d/%d", p.epoch(), p.epochs()));
        }
        if (!Double.isNaN(p.loss())) {
            sb.append(String.format("  loss %.4f", p.loss()));
        }
        if (p.examplesPerSecond() > 0) {
            sb.append(String.format("  %.0f ex/s", p.examplesPerSecond()));
        }
        if (p.etaSeconds() >= 0) {
            sb.append(String.format("  ETA %ds", Math.round(p.etaSeconds())));
        }
        p.metrics().forEach((k, v) -> sb.append(String.format("  %s %.4f", k, v)));
        if (p.message() != null) {
            sb.append("  ").append(p.message());
        }
        return sb.toString();
    }
}
