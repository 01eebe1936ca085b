package io.quorum.shared.service;

import io.quorum.shared.model.FetchRetry;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Where model versions are stored and cached ({@code quorum.models.*}). */
@ConfigMapping(prefix = "quorum.models")
public interface ModelsConfig {

    /** Root of the file-system model store shared by the trainer and the serving services. */
    @WithDefault("runtime/models")
    String storeDir();

    /** Where this service keeps verified local copies of the versions it loads. */
    @WithDefault("runtime/cache")
    String cacheDir();

    /** Retries of transient artifact fetch failures (I/O errors, a file not yet visible on a shared file system). */
    Retry fetchRetry();

    /** Exponential backoff of fetch retries; a wrong SHA-256 or a failed model check is never retried. */
    interface Retry {
        /** Wait after the first failed attempt; each further wait doubles. */
        @WithDefault("500ms")
        Duration initialDelay();

        /** Longest wait between two attempts. */
        @WithDefault("15s")
        Duration maxDelay();

        /** How long after the first failure attempts may still start; then the version is refused. 0 = no retry. */
        @WithDefault("60s")
        Duration giveUpAfter();
    }

    /** The fetch retry policy these settings describe. */
    default FetchRetry fetchRetryPolicy() {
        return new FetchRetry(fetchRetry().initialDelay(), fetchRetry().maxDelay(), fetchRetry().giveUpAfter());
    }
}
