package io.quorum.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.events.RejectReason;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request limits HTTP answers with 400 and Kafka dead-letters with a reason code. */
class RequestLimitsTest {

    private final RequestLimits limits = RequestLimits.defaults();

    private RequestLimits.Violation violation(String jobId, String job, Map<String, String> params) {
        return limits.check(jobId, job, params, "test").orElseThrow();
    }

    @Test
    void aNormalRequestPasses() {
        assertThat(limits.check("pair-scorer-1a2b3c4d", "pair-scorer", Map.of("data", "mrpc/msr_paraphrase_train.txt",
                "epochs", "3"), "cli")).isEmpty();
        assertThat(limits.check("retrain-0f3e.v2_x", "minilm-siamese", null, null)).isEmpty();
        assertThat(limits.checkSize(64 * 1024)).isEmpty();
    }

    @Test
    void sizeParameterCountAndLengthsAreLimited() {
        assertThat(limits.checkSize(64 * 1024 + 1).orElseThrow().reason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);

        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("p" + i, "1");
        }
        RequestLimits.Violation v = violation("id", "pair-scorer", many);
        assertThat(v.reason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
        assertThat(v.message()).contains("65 parameters", "at most 64");

        v = violation("id", "pair-scorer", Map.of("k".repeat(129), "1"));
        assertThat(v.reason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
        assertThat(v.message()).contains("129 characters");

        v = violation("id", "pair-scorer", Map.of("data", "x".repeat(4097)));
        assertThat(v.reason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
        assertThat(v.message()).contains("'data'", "4097");
        assertThat(v.field()).isEqualTo("params");

        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("epochs", null);
        assertThat(violation("id", "pair-scorer", nullValue).reason()).isEqualTo(RejectReason.INVALID_VALUE);
    }

    @Test
    void jobIdsAndJobNamesHaveAForm() {
        for (String bad : new String[] {"../../etc", "a b", "x".repeat(129), "id\n", "ü"}) {
            RequestLimits.Violation v = violation(bad, "pair-scorer", Map.of());
            assertThat(v.reason()).as(bad).isEqualTo(RejectReason.INVALID_VALUE);
            assertThat(v.field()).isEqualTo("jobId");
        }
        RequestLimits.Violation v = violation("ok", "pair scorer; rm -rf", Map.of());
        assertThat(v.field()).isEqualTo("job");
        assertThat(violation(null, "pair-scorer", Map.of()).reason()).isEqualTo(RejectReason.MISSING_FIELD);
    }
}
