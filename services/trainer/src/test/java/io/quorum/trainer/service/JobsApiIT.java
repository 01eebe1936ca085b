package io.quorum.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The trainer's HTTP API with an API token and a queue of one: 401 without the token, GETs open, the request limits
 * (400, 413), duplicates (200, 409), a full queue (429 with Retry-After), and the same limits on Kafka requests
 * (dead-lettered with a reason code). TrainerIT runs without a token: there everything is open.
 */
@QuarkusTest
@TestProfile(JobsApiIT.Secured.class)
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class JobsApiIT {

    /** A constant: the profile and the test may be loaded by different class loaders. */
    static final String TOKEN = "it-secret-token-7f3a";

    /** A token and a queue of one job. */
    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quorum.security.api-token", TOKEN, "quorum.trainer.queue-capacity", "1",
                    "quorum.trainer.limits.retry-after", "45s");
        }
    }

    /** Long enough to hold the worker until cancelled. */
    private static final Map<String, String> LONG = Map.of("n", "20000", "dim", "64", "epochs", "500");

    private static RequestSpecification authorized() {
        return RestAssured.given().header("Authorization", "Bearer " + TOKEN);
    }

    private static Map<String, Object> job(String id, Map<String, String> params) {
        Map<String, Object> body = new HashMap<>();
        body.put("jobId", id);
        body.put("job", "pair-scorer");
        body.put("params", params);
        return body;
    }

    @Test
    void stateChangingRequestsNeedTheTokenAndReadsStayOpen() {
        String id = "tok-" + UUID.randomUUID();
        RestAssured.given().contentType(ContentType.JSON).body(job(id, Map.of("n", "200"))).post("/jobs").then()
                .statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        RestAssured.given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON)
                .body(job(id, Map.of("n", "200"))).post("/jobs").then().statusCode(401);
        RestAssured.get("/jobs/" + id).then().statusCode(404); // nothing was created

        RestAssured.get("/jobs").then().statusCode(200);
        RestAssured.get("/jobs/kinds").then().statusCode(200);
        RestAssured.get("/q/health/live").then().statusCode(200);

        authorized().contentType(ContentType.JSON).body(job(id, LONG)).post("/jobs").then().statusCode(202);
        RestAssured.delete("/jobs/" + id).then().statusCode(401);
        authorized().delete("/jobs/" + id).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                "CANCELLED".equals(RestAssured.get("/jobs/" + id).jsonPath().getString("state")));
        authorized().delete("/jobs/" + id).then().statusCode(409);
        authorized().delete("/jobs/no-such-job").then().statusCode(404);
    }

    @Test
    void requestsBreakingTheLimitsAreAnswered400Or413() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("p" + i, "1");
        }
        authorized().contentType(ContentType.JSON).body(job("lim-" + UUID.randomUUID(), many)).post("/jobs").then()
                .statusCode(400).body("error", containsString("at most 64"));
        authorized().contentType(ContentType.JSON).body(job("../../etc/passwd", Map.of())).post("/jobs").then()
                .statusCode(400).body("error", containsString("jobId"));
        authorized().contentType(ContentType.JSON).body(job("lim-" + UUID.randomUUID(), Map.of("data", "x".repeat(5000))))
                .post("/jobs").then().statusCode(400).body("error", containsString("4096"));
        authorized().contentType(ContentType.JSON)
                .body(job("lim-" + UUID.randomUUID(), Map.of("data", "y".repeat(70 * 1024)))).post("/jobs").then()
                .statusCode(413);
        authorized().contentType(ContentType.JSON)
                .body(Map.of("jobId", "lim-" + UUID.randomUUID(), "job", "no-such-job", "params", Map.of())).post("/jobs").then()
                .statusCode(400).body("error", containsString("unknown job")).body("knownJobs", hasItem("pair-scorer"));
        String outside = "lim-" + UUID.randomUUID();
        authorized().contentType(ContentType.JSON).body(job(outside, Map.of("data", "/etc/passwd"))).post("/jobs").then()
                .statusCode(400).body("error", containsString("outside the data directory"));
        RestAssured.get("/jobs/" + outside).then().statusCode(404); // refused, not recorded
    }

    @Test
    void duplicatesAndAFullQueue() {
        String running = "q-run-" + UUID.randomUUID();
        String queued = "q-wait-" + UUID.randomUUID();
        try {
            authorized().contentType(ContentType.JSON).body(job(running, LONG)).post("/jobs").then().statusCode(202);
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    "RUNNING".equals(RestAssured.get("/jobs/" + running).jsonPath().getString("state")));
            // the same request again is idempotent; another request under the same id is a conflict
            authorized().contentType(ContentType.JSON).body(job(running, LONG)).post("/jobs").then().statusCode(200)
                    .body("jobId", containsString(running));
            authorized().contentType(ContentType.JSON).body(job(running, Map.of("n", "10"))).post("/jobs").then()
                    .statusCode(409);

            authorized().contentType(ContentType.JSON).body(job(queued, LONG)).post("/jobs").then().statusCode(202);
            String full = "q-full-" + UUID.randomUUID();
            authorized().contentType(ContentType.JSON).body(job(full, LONG)).post("/jobs").then().statusCode(429)
                    .header("Retry-After", "45").body("error", containsString("queue is full"));
            RestAssured.get("/jobs/" + full).then().statusCode(404); // the id stays free for the retry
        } finally {
            authorized().delete("/jobs/" + queued);
            authorized().delete("/jobs/" + running);
        }
        await().atMost(Duration.ofSeconds(60)).until(() ->
                "CANCELLED".equals(RestAssured.get("/jobs/" + running).jsonPath().getString("state")));
        assertThat(RestAssured.get("/jobs/" + queued).jsonPath().getString("state")).isEqualTo("CANCELLED");
    }

    @Test
    void kafkaRequestsBreakingTheLimitsAreDeadLetteredWithAReasonCode() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("p" + i, "1");
        }
        Map<String, String> large = new HashMap<>(); // 20 values within their limit, 80 KB together: over 64 KiB
        for (int i = 0; i < 20; i++) {
            large.put("v" + i, "z".repeat(4000));
        }
        String tooMany = "dl-many-" + UUID.randomUUID();
        String tooLarge = "dl-large-" + UUID.randomUUID();
        String badId = "dl bad id " + UUID.randomUUID();
        Map<String, String> expected = Map.of(tooMany, "LIMIT_EXCEEDED", tooLarge, "LIMIT_EXCEEDED", "bad-id", "INVALID_VALUE");
        try (TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.TRAINING_REQUESTED)); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.TRAINING_REQUESTED, tooMany, Json.toBytes(new TrainingRequested(1, tooMany, "pair-scorer",
                    many, 0, "it", 0)));
            producer.sendSync(Topics.TRAINING_REQUESTED, tooLarge, Json.toBytes(new TrainingRequested(1, tooLarge, "pair-scorer",
                    large, 0, "it", 0)));
            producer.sendSync(Topics.TRAINING_REQUESTED, "bad-id", Json.toBytes(new TrainingRequested(1, badId, "pair-scorer",
                    Map.of(), 0, "it", 0)));
            List<ConsumerRecord<String, byte[]>> dead = dlq.await(3, Duration.ofSeconds(60), r -> expected.containsKey(r.key()));
            for (ConsumerRecord<String, byte[]> r : dead) {
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(r.key()).isEqualTo(expected.get(r.key()));
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).isNotBlank();
            }
        }
        // dead-lettered, never queued
        RestAssured.get("/jobs/" + tooMany).then().statusCode(404);
        RestAssured.get("/jobs/" + tooLarge).then().statusCode(404);
    }
}
