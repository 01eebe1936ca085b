package io.quorum.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.AttackEvent;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.ServiceLauncher;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged adversarial service as its own JVM: it answers requests, serves the picture of one, and when it is
 * killed with {@code kill -9} in the middle of a stream of requests, the restarted instance answers every request
 * (nothing lost; a request answered twice is deduplicable by its id).
 */
class AdversarialServiceIT {

    static final String MODEL = "system-adversarial";
    static ServiceLauncher service;
    static ModelPublished model;

    @BeforeAll
    static void start() throws Exception {
        model = TestDigitModels.publish(MODEL, TestDigitModels.random(784, 256, 10, 9), 28, 28, "champion", true);
        // small polls of long PGD runs: the stream takes a few seconds, so the kill lands in the middle of it
        service = ServiceLauncher.start("adversarial", List.of("-Xmx384m"), Map.of("quorum.adversarial.max-batch-size", "8"));
        await().atMost(Duration.ofSeconds(60)).until(() -> service.httpStatus("/q/health/ready") == 200);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    static AttackRequested request(String id, Random rnd) {
        float[] image = new float[784];
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() < 0.2f ? rnd.nextFloat() : 0f;
        }
        return new AttackRequested(AttackRequested.SCHEMA_VERSION, id, MODEL, null, "pgd", Map.of("eps", "0.1", "steps", "100"),
                DigitImage.ofFloats(28, 28, image), rnd.nextInt(10), null, null, false, "system-test", System.currentTimeMillis());
    }

    @Test
    void killedMidStreamTheRestartedServiceAnswersEveryRequest() throws Exception {
        String prefix = "sys-" + UUID.randomUUID() + "-";
        int n = 600;
        Random rnd = new Random(5);
        Map<String, Integer> completions = new HashMap<>();
        try (TopicReader out = TopicReader.fromNow(Topics.ATTACKS_GENERATED); TestProducer producer = new TestProducer()) {
            for (int i = 0; i < n; i++) {
                AttackRequested r = request(prefix + i, rnd);
                producer.send(Topics.ATTACKS_REQUESTED, r.requestId(), Json.toBytes(r));
            }
            producer.flush();
            int before = out.await(50, Duration.ofSeconds(90), r -> r.key().startsWith(prefix)
                    && event(r) instanceof AttackCompleted).size();
            service.kill();
            assertThat(before).as("killed mid-stream").isLessThan(n);
            service.launch();
            List<ConsumerRecord<String, byte[]>> done = awaitDistinct(out, prefix, n);
            for (ConsumerRecord<String, byte[]> r : done) {
                completions.merge(r.key(), 1, Integer::sum);
            }
            // every request has its adversarial before its summary, from the model it names
            for (ConsumerRecord<String, byte[]> r : out.drain(Duration.ofMillis(500))) {
                if (r.key().startsWith(prefix) && event(r) instanceof AdversarialGenerated g) {
                    assertThat(g.modelVersion()).isEqualTo(model.version());
                    assertThat(g.linf()).isLessThanOrEqualTo(0.1 + 1e-6);
                    assertThat(g.index()).isZero();
                }
            }
        }
        assertThat(completions).as("nothing lost").hasSize(n);
        assertThat(completions.values()).as("answered at most twice (at-least-once)").allMatch(c -> c <= 2);
        // the picture of a request answered by the running instance (the restarted one: one sent now)
        String last = prefix + "after-restart";
        try (TopicReader out = TopicReader.fromNow(Topics.ATTACKS_GENERATED); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.ATTACKS_REQUESTED, last, Json.toBytes(request(last, rnd)));
            out.await(1, Duration.ofSeconds(60), r -> last.equals(r.key()) && event(r) instanceof AttackCompleted);
        }
        HttpResponse<byte[]> png = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(service.url("/attacks/" + last + "/grid.png"))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(new String(png.body(), 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
        assertThat(service.get("/models")).contains("\"name\":\"" + MODEL + "\"");
        assertThat(service.get("/q/metrics")).contains("quorum_attack_success_ratio{attack=\"pgd\",model=\"" + MODEL + "\"");
    }

    /** Waits until {@code n} distinct requests of {@code prefix} have their summary; returns every summary read. */
    private static List<ConsumerRecord<String, byte[]>> awaitDistinct(TopicReader out, String prefix, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (true) {
            List<ConsumerRecord<String, byte[]>> done = out.await(0, Duration.ofSeconds(1),
                    r -> r.key().startsWith(prefix) && event(r) instanceof AttackCompleted);
            long distinct = done.stream().map(ConsumerRecord::key).distinct().count();
            if (distinct >= n) {
                return done;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(distinct + " of " + n + " requests answered:\n" + service.logTail());
            }
            out.drain(Duration.ofMillis(200));
        }
    }

    static AttackEvent event(ConsumerRecord<String, byte[]> r) {
        return Json.fromBytes(r.value(), AttackEvent.class);
    }
}
