package io.quorum.shared.model;

import java.time.Duration;

/**
 * How transient artifact fetch failures (an I/O error, a file not yet visible on a slow shared file system) are
 * retried: after the n-th failure wait {@code initialDelay * 2^(n-1)}, at most {@code maxDelay}, and give up (refuse
 * the version) when the next attempt would start more than {@code giveUpAfter} after the first failure. A wrong
 * SHA-256 or a failed model check is never retried.
 *
 * @param initialDelay wait after the first failure
 * @param maxDelay     longest wait between two attempts
 * @param giveUpAfter  how long after the first failure attempts may still start
 */
public record FetchRetry(Duration initialDelay, Duration maxDelay, Duration giveUpAfter) {

    public FetchRetry {
        if (initialDelay.isNegative() || maxDelay.isNegative() || giveUpAfter.isNegative()) {
            throw new IllegalArgumentException("fetch retry durations must not be negative");
        }
    }

    /** Services' default: 0.5 s doubling up to 15 s between attempts, for up to a minute. */
    public static FetchRetry defaults() {
        return new FetchRetry(Duration.ofMillis(500), Duration.ofSeconds(15), Duration.ofSeconds(60));
    }

    /** A short one for interactive tools: a few attempts within about a second. */
    public static FetchRetry brief() {
        return new FetchRetry(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofSeconds(1));
    }

    /** One attempt only. */
    public static FetchRetry none() {
        return new FetchRetry(Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** The wait after {@code failures} failed attempts (1 = the first). */
    public Duration delay(int failures) {
        if (failures < 1) {
            return Duration.ZERO;
        }
        long ms = initialDelay.toMillis();
        for (int i = 1; i < failures && ms < maxDelay.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
    }

    /**
     * Whether another attempt is allowed after {@code failures} failures, the first of them {@code sinceFirstFailure}
     * ago: the attempt would start {@link #delay(int)} from now, which must be within {@code giveUpAfter}.
     */
    public boolean retryAllowed(int failures, Duration sinceFirstFailure) {
        return !giveUpAfter.isZero() && sinceFirstFailure.plus(delay(failures)).compareTo(giveUpAfter) <= 0;
    }
}
