package io.quorum.training.selfai;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of a {@link TinyDarknet} as plain arrays, what the Net2Net operators rewrite. Per block: the
 * convolution's weights {@code [out, in, k, k]} row-major (DL4J's layout) and bias {@code [out]} (null for a pool).
 * The score head, when present: {@code headW [features]} and {@code headB} (DL4J's dense {@code [nIn, 1]}).
 */
public record Weights(List<float[]> w, List<float[]> b, float[] headW, float headB) {

    public Weights {
        w = new ArrayList<>(w);
        b = new ArrayList<>(b);
    }

    public boolean hasHead() {
        return headW != null;
    }

    /** A deep copy. */
    public Weights copy() {
        List<float[]> w2 = new ArrayList<>();
        List<float[]> b2 = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            w2.add(w.get(i) == null ? null : w.get(i).clone());
            b2.add(b.get(i) == null ? null : b.get(i).clone());
        }
        return new Weights(w2, b2, headW == null ? null : headW.clone(), headB);
    }

    /** These weights with a score head. */
    public Weights withHead(float[] weights, float bias) {
        return new Weights(w, b, weights, bias);
    }

    /** These weights without the score head (the Siamese feature network). */
    public Weights withoutHead() {
        return new Weights(w, b, null, 0f);
    }
}
