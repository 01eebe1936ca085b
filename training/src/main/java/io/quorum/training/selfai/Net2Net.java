package io.quorum.training.selfai;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The Net2Net operators (Chen, Goodfellow, Shlens 2015) on a {@link TinyDarknet}, function-preserving before noise.
 *
 * <ul>
 *   <li>{@link #wider}: convolution {@code L} goes from {@code c} to {@code c' > c} channels; new channel {@code j}
 *       copies the incoming weights and bias of channel {@code g(j)} ({@code g(j) = j} for {@code j < c}, a seeded
 *       random old channel otherwise); the consumer of {@code L} (the next convolution, or the score head after the
 *       global average pool) reads channel {@code j} with its old weights for {@code g(j)} divided by the number of
 *       copies of {@code g(j)}. Pooling in between is per channel, so the next layer's input sums are unchanged.
 *       Selfai's twist: <b>zeroing noise</b>, each incoming weight of a clone is set to zero with probability
 *       {@code noise}, so copies learn different features (0: exact).</li>
 *   <li>{@link #deeper}: a new 3x3 convolution after {@code L}, initialised to the identity. Net2DeeperNet needs the
 *       activation {@code phi} to satisfy {@code phi(I phi(x)) = phi(x)} (true for ReLU); ELU is not idempotent
 *       ({@code elu(elu(x)) != elu(x)} for {@code x < 0}). ELU is however the identity on {@code [0, inf)} and its
 *       outputs are {@code > -1}, so the new layer gets the identity kernel <b>plus a bias of 1</b>:
 *       {@code elu(y + 1) = y + 1} exactly for every ELU output {@code y}. The constant 1 is removed downstream by
 *       folding it into the consumer's bias ({@code b_o -= sum_j W[o, j]}); max pooling commutes with adding a
 *       constant, and the fold is exact only where the consumer sees no zero padding, so the consumer must be a 1x1
 *       convolution or the score head (the global average pool adds no padding). With a Siamese head nothing needs
 *       folding: an L1 distance does not change when both features move by the same constant. The new layer keeps its
 *       ELU (unlike inserting a linear layer), so it becomes non-linear as its bias and weights train.</li>
 * </ul>
 */
public final class Net2Net {

    /** A network: architecture and weights. */
    public record Net(TinyDarknet arch, Weights weights) {
    }

    private Net2Net() {
    }

    /**
     * Widens convolution {@code layer} to {@code newOut} channels.
     *
     * @param noise probability of zeroing each incoming weight of a cloned channel (0: exactly function-preserving)
     */
    public static Net wider(Net net, int layer, int newOut, double noise, Random rnd) {
        TinyDarknet a = net.arch();
        TinyDarknet.Conv conv = a.conv(layer);
        int c = conv.out();
        if (newOut <= c) {
            throw new IllegalArgumentException("wider: " + newOut + " channels is not wider than " + c);
        }
        int next = a.nextConv(layer);
        if (next < 0 && !net.weights().hasHead()) {
            throw new IllegalArgumentException("wider: the last convolution feeds the Siamese loss directly; widening it "
                    + "would change the feature dimension and the distances");
        }
        int[] g = new int[newOut];
        int[] copies = new int[c];
        for (int j = 0; j < newOut; j++) {
            g[j] = j < c ? j : rnd.nextInt(c);
            copies[g[j]]++;
        }
        Weights w = net.weights().copy();
        int in = a.inChannels(layer);
        int kk = conv.kernel() * conv.kernel();
        float[] oldW = w.w().get(layer);
        float[] oldB = w.b().get(layer);
        float[] newW = new float[newOut * in * kk];
        float[] newB = new float[newOut];
        for (int j = 0; j < newOut; j++) {
            System.arraycopy(oldW, g[j] * in * kk, newW, j * in * kk, in * kk);
            newB[j] = oldB[g[j]];
            if (j >= c && noise > 0) {
                for (int t = j * in * kk; t < (j + 1) * in * kk; t++) {
                    if (rnd.nextDouble() < noise) {
                        newW[t] = 0f;
                    }
                }
            }
        }
        w.w().set(layer, newW);
        w.b().set(layer, newB);
        if (next >= 0) {
            TinyDarknet.Conv nc = a.conv(next);
            int nkk = nc.kernel() * nc.kernel();
            int nOut = nc.out();
            float[] nw = w.w().get(next);
            float[] out = new float[nOut * newOut * nkk];
            for (int o = 0; o < nOut; o++) {
                for (int j = 0; j < newOut; j++) {
                    float scale = 1f / copies[g[j]];
                    for (int t = 0; t < nkk; t++) {
                        out[(o * newOut + j) * nkk + t] = nw[(o * c + g[j]) * nkk + t] * scale;
                    }
                }
            }
            w.w().set(next, out);
        } else {
            float[] hw = w.headW();
            float[] out = new float[newOut];
            for (int j = 0; j < newOut; j++) {
                out[j] = hw[g[j]] / copies[g[j]];
            }
            w = w.withHead(out, w.headB());
        }
        return new Net(a.with(layer, conv.withOut(newOut)), w);
    }

    /**
     * Widens every convolution by {@code factor} (rounded), in order (each step preserves the function), except the last
     * one when {@code includeLast} is false (a Siamese network: its feature dimension stays).
     */
    public static Net widerAll(Net net, double factor, boolean includeLast, double noise, Random rnd) {
        Net n = net;
        int last = n.arch().lastConv();
        for (int i = 0; i < n.arch().blocks().size(); i++) {
            if (n.arch().blocks().get(i) instanceof TinyDarknet.Conv c && (includeLast || i != last)) {
                int target = (int) Math.round(c.out() * factor);
                if (target > c.out()) {
                    n = wider(n, i, target, noise, rnd);
                }
            }
        }
        return n;
    }

    /** Whether a layer can be inserted after convolution {@code layer} ({@link #deeper}'s constraint). */
    public static boolean canDeepen(TinyDarknet a, int layer) {
        if (!(a.blocks().get(layer) instanceof TinyDarknet.Conv)) {
            return false;
        }
        int next = a.nextConv(layer);
        return next < 0 || a.conv(next).kernel() == 1;
    }

    /**
     * The convolution {@link #deeper} grows on a stall: the deepest 3x3 convolution that can be deepened and is not
     * already followed by an inserted layer; -1 when none.
     */
    public static int deepenTarget(TinyDarknet a) {
        for (int i = a.blocks().size() - 1; i >= 0; i--) {
            if (a.blocks().get(i) instanceof TinyDarknet.Conv c && c.kernel() == 3 && canDeepen(a, i)) {
                int prev = previousConv(a, i);
                boolean alreadyDeepened = prev >= 0 && a.conv(prev).kernel() == 3 && a.conv(prev).out() == c.out()
                        && prev == i - 1;
                if (!alreadyDeepened) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static int previousConv(TinyDarknet a, int i) {
        for (int j = i - 1; j >= 0; j--) {
            if (a.blocks().get(j) instanceof TinyDarknet.Conv) {
                return j;
            }
        }
        return -1;
    }

    /** Inserts an identity-initialised 3x3 ELU convolution after convolution {@code layer} (see the class comment). */
    public static Net deeper(Net net, int layer) {
        TinyDarknet a = net.arch();
        if (!canDeepen(a, layer)) {
            throw new IllegalArgumentException("deeper: the consumer of block " + layer + " is not a 1x1 convolution or "
                    + "the head, so the ELU shift cannot be folded exactly");
        }
        int c = a.conv(layer).out();
        float[] w = new float[c * c * 9];
        float[] b = new float[c];
        for (int j = 0; j < c; j++) {
            w[(j * c + j) * 9 + 4] = 1f; // centre tap on its own channel
            b[j] = 1f;
        }
        Weights old = net.weights().copy();
        List<float[]> ws = new ArrayList<>(old.w());
        List<float[]> bs = new ArrayList<>(old.b());
        ws.add(layer + 1, w);
        bs.add(layer + 1, b);
        Weights nw = new Weights(ws, bs, old.headW(), old.headB());
        TinyDarknet na = a.inserting(layer, new TinyDarknet.Conv(c, 3, 1));
        int next = na.nextConv(layer + 1);
        if (next >= 0) { // a 1x1 convolution [out, c, 1, 1]: fold -1 into its bias
            int out = na.conv(next).out();
            float[] cw = nw.w().get(next);
            float[] cb = nw.b().get(next);
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int j = 0; j < c; j++) {
                    s += cw[o * c + j];
                }
                cb[o] = (float) (cb[o] - s);
            }
        } else if (nw.hasHead()) {
            double s = 0;
            for (float v : nw.headW()) {
                s += v;
            }
            nw = nw.withHead(nw.headW(), (float) (nw.headB() - s));
        }
        return new Net(na, nw);
    }
}
