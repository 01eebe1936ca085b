package io.quorum.shared.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bearer-token check of state-changing requests. */
class ApiTokenTest {

    @Test
    void withATokenStateChangingRequestsNeedItAndReadsStayOpen() {
        ApiToken t = ApiToken.of("s3cret-token");
        assertThat(t.enabled()).isTrue();
        for (String method : new String[] {"POST", "PUT", "PATCH", "DELETE", "delete"}) {
            assertThat(t.allows(method, null)).as(method + " without").isFalse();
            assertThat(t.allows(method, "Bearer wrong")).as(method + " wrong").isFalse();
            assertThat(t.allows(method, "Bearer s3cret-token-and-more")).isFalse();
            assertThat(t.allows(method, "Bearer s3cret-toke")).isFalse();
            assertThat(t.allows(method, "Basic s3cret-token")).isFalse();
            assertThat(t.allows(method, "s3cret-token")).isFalse();
            assertThat(t.allows(method, "Bearer")).isFalse();
            assertThat(t.allows(method, "Bearer s3cret-token")).as(method + " right").isTrue();
            assertThat(t.allows(method, "bearer  s3cret-token ")).isTrue();
        }
        for (String method : new String[] {"GET", "HEAD", "OPTIONS"}) {
            assertThat(t.allows(method, null)).as(method).isTrue();
        }
    }

    @Test
    void withoutATokenEverythingIsOpen() {
        for (String token : new String[] {null, "", "   "}) {
            ApiToken t = ApiToken.of(token);
            assertThat(t.enabled()).isFalse();
            assertThat(t.allows("POST", null)).isTrue();
            assertThat(t.allows("DELETE", "Bearer anything")).isTrue();
        }
    }
}
