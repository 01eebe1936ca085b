package io.quorum.shared.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Set;

/**
 * The check behind {@link ApiTokenFilter}: when a token is configured, a request that changes state (any method but
 * GET, HEAD and OPTIONS) must carry {@code Authorization: Bearer <token>}. The comparison takes the same time
 * whatever the given token is (both are hashed, then compared with {@link MessageDigest#isEqual}), so neither the
 * content nor the length of the token leaks through timing.
 */
public final class ApiToken {

    /** Scheme of the {@code Authorization} header. */
    public static final String SCHEME = "Bearer";

    private static final Set<String> READ_ONLY = Set.of("GET", "HEAD", "OPTIONS");

    private final byte[] expectedDigest;

    private ApiToken(String token) {
        this.expectedDigest = token == null ? null : digest(token);
    }

    /** A check against {@code token}; null or blank turns it off (every request is allowed). */
    public static ApiToken of(String token) {
        return new ApiToken(token == null || token.isBlank() ? null : token.strip());
    }

    /** Whether a token is configured. */
    public boolean enabled() {
        return expectedDigest != null;
    }

    /** Whether {@code method} changes state (so needs the token when one is configured). */
    public static boolean changesState(String method) {
        return !READ_ONLY.contains(method.toUpperCase(Locale.ROOT));
    }

    /** Whether a request with {@code method} and this {@code Authorization} header value (may be null) may proceed. */
    public boolean allows(String method, String authorization) {
        if (!enabled() || !changesState(method)) {
            return true;
        }
        if (authorization == null || authorization.length() <= SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME + " ", 0, SCHEME.length() + 1)) {
            return false;
        }
        String given = authorization.substring(SCHEME.length() + 1).strip();
        return MessageDigest.isEqual(digest(given), expectedDigest);
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
