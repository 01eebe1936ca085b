package io.quorum.text;

import java.util.concurrent.atomic.LongAdder;

/**
 * Out-of-vocabulary counts: tokens seen and unknown, texts with no known token (embedded as the zero vector).
 * Live counters, read by metrics.
 */
public final class OovStats {

    static final OovStats NONE = new OovStats();

    private final LongAdder tokens = new LongAdder();
    private final LongAdder unknownTokens = new LongAdder();
    private final LongAdder texts = new LongAdder();
    private final LongAdder emptyTexts = new LongAdder();

    void record(int tokenCount, int unknown) {
        tokens.add(tokenCount);
        unknownTokens.add(unknown);
        texts.increment();
        if (tokenCount == unknown) {
            emptyTexts.increment();
        }
    }

    public long tokens() {
        return tokens.sum();
    }

    public long unknownTokens() {
        return unknownTokens.sum();
    }

    public long texts() {
        return texts.sum();
    }

    /** Texts none of whose tokens had a vector. */
    public long textsWithoutKnownTokens() {
        return emptyTexts.sum();
    }

    public double unknownRate() {
        long t = tokens();
        return t == 0 ? 0 : (double) unknownTokens() / t;
    }
}
