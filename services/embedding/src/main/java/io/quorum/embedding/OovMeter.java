package io.quorum.embedding;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.metrics.Metrics;
import io.quorum.text.OovStats;

/**
 * The out-of-vocabulary counters of one embedder name, across its versions: Micrometer keeps the first meter
 * registered under an id, so the counters are registered once and read whichever version is served now, plus what
 * the versions before it counted (the totals stay monotonic across hot swaps).
 */
final class OovMeter {

    private OovStats current;
    private long retiredTokens;
    private long retiredUnknown;
    private long retiredEmpty;

    OovMeter(String embedder, MeterRegistry meters) {
        FunctionCounter.builder(Metrics.EMBEDDER_TOKENS, this, OovMeter::tokens).tag(Metrics.TAG_EMBEDDER, embedder)
                .description("Word tokens seen by vocabulary-based embedders").register(meters);
        FunctionCounter.builder(Metrics.EMBEDDER_OOV_TOKENS, this, OovMeter::unknownTokens).tag(Metrics.TAG_EMBEDDER, embedder)
                .description("Word tokens without a vector (skipped)").register(meters);
        FunctionCounter.builder(Metrics.EMBEDDER_OOV_TEXTS, this, OovMeter::textsWithoutKnownTokens).tag(Metrics.TAG_EMBEDDER, embedder)
                .description("Texts without any known token (embedded as the zero vector)").register(meters);
    }

    /** {@code stats} is now the served version's; the previous version's counts are kept in the totals. */
    synchronized void serve(OovStats stats) {
        if (current != null && current != stats) {
            retiredTokens += current.tokens();
            retiredUnknown += current.unknownTokens();
            retiredEmpty += current.textsWithoutKnownTokens();
        }
        current = stats;
    }

    synchronized double tokens() {
        return retiredTokens + (current == null ? 0 : current.tokens());
    }

    synchronized double unknownTokens() {
        return retiredUnknown + (current == null ? 0 : current.unknownTokens());
    }

    synchronized double textsWithoutKnownTokens() {
        return retiredEmpty + (current == null ? 0 : current.textsWithoutKnownTokens());
    }
}
