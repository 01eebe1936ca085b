package io.quorum.training.selfai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each Net2Net operator preserves the network's function before noise: DL4J outputs of the grown network equal the
 * original's within float tolerance on random inputs (scores through the head, and Siamese features/distances).
 */
class Net2NetTest {

    private static final int SIDE = 16;

    /** A trained-looking network: random weights and biases of both signs, so ELU's negative branch is exercised. */
    private static Net2Net.Net randomNet(TinyDarknet a, boolean head, long seed) {
        MultiLayerNetwork net = SelfaiNetworks.build(a, head ? SelfaiNetworks.Head.SCORE : SelfaiNetworks.Head.SIAMESE,
                1e-3, 1.0, seed);
        Weights w = SelfaiNetworks.get(net, a);
        Random rnd = new Random(seed);
        for (float[] b : w.b()) {
            if (b != null) {
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) rnd.nextGaussian() * 0.3f;
                }
            }
        }
        if (head) {
            w = w.withHead(w.headW(), 5.5f);
        }
        return new Net2Net.Net(a, w);
    }

    private static INDArray inputs(long seed) {
        Random r = new Random(seed);
        float[] v = new float[6 * 3 * SIDE * SIDE];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() - 0.5f;
        }
        return Nd4j.create(v, new long[] {6, 3, SIDE, SIDE}, 'c');
    }

    private static INDArray scores(Net2Net.Net n, INDArray x) {
        return SelfaiNetworks.build(n.arch(), n.weights(), SelfaiNetworks.Head.SCORE, 1e-3, 1.0, 1).output(x, false);
    }

    private static INDArray features(Net2Net.Net n, INDArray x) {
        MultiLayerNetwork net = SelfaiNetworks.build(n.arch(), n.weights(), SelfaiNetworks.Head.SIAMESE, 1e-3, 1.0, 1);
        return SelfaiNetworks.features(net, n.arch(), x);
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void widerPreservesTheScoreOfEveryLayerItWidens() {
        TinyDarknet a = TinyDarknet.base(SIDE, 4, 2);
        Net2Net.Net net = randomNet(a, true, 7);
        INDArray x = inputs(1);
        INDArray before = scores(net, x);
        assertThat(before.stdNumber().doubleValue()).as("the random inputs give different scores").isGreaterThan(1e-3);
        for (int i = 0; i < a.blocks().size(); i++) {
            if (a.blocks().get(i) instanceof TinyDarknet.Conv c) {
                Net2Net.Net wide = Net2Net.wider(net, i, c.out() * 2 + 1, 0, new Random(i));
                assertThat(wide.arch().conv(i).out()).isEqualTo(c.out() * 2 + 1);
                assertThat(maxDiff(scores(wide, x), before)).as("wider at block %d", i).isLessThan(1e-4);
            }
        }
    }

    @Test
    void widerAllDoublingPreservesTheScoreAndNoiseOnlyTouchesTheClones() {
        TinyDarknet a = TinyDarknet.base(SIDE, 4, 1);
        Net2Net.Net net = randomNet(a, true, 11);
        INDArray x = inputs(2);
        Net2Net.Net doubled = Net2Net.widerAll(net, 2.0, true, 0, new Random(3));
        assertThat(doubled.arch()).isEqualTo(TinyDarknet.base(SIDE, 8, 1));
        assertThat(maxDiff(scores(doubled, x), scores(net, x))).isLessThan(1e-4);

        Net2Net.Net noisy = Net2Net.wider(net, 0, 8, 0.5, new Random(3));
        Net2Net.Net exact = Net2Net.wider(net, 0, 8, 0, new Random(3));
        float[] nw = noisy.weights().w().get(0);
        float[] ew = exact.weights().w().get(0);
        int per = 3 * 9;
        int zeroed = 0;
        for (int t = 0; t < nw.length; t++) {
            if (t < 4 * per) {
                assertThat(nw[t]).as("original unit weights are untouched").isEqualTo(ew[t]);
            } else if (nw[t] != ew[t]) {
                assertThat(nw[t]).isZero();
                zeroed++;
            }
        }
        assertThat(zeroed).as("about half of the clones' weights zeroed").isBetween(per, 3 * per);
        assertThat(maxDiff(scores(noisy, x), scores(net, x))).as("noise breaks the symmetry").isGreaterThan(1e-6);
    }

    @Test
    void deeperInsertsAnEluSafeIdentityAndPreservesScoresAndSiameseDistances() {
        TinyDarknet a = TinyDarknet.base(SIDE, 4, 1);
        Net2Net.Net net = randomNet(a, true, 5);
        INDArray x = inputs(3);
        INDArray before = scores(net, x);
        int target = Net2Net.deepenTarget(a);
        assertThat(a.conv(target).kernel()).isEqualTo(3);
        Net2Net.Net deep = Net2Net.deeper(net, target);
        assertThat(deep.arch().blocks()).hasSize(a.blocks().size() + 1);
        assertThat(deep.arch().conv(target + 1)).isEqualTo(new TinyDarknet.Conv(a.conv(target).out(), 3, 1));
        assertThat(maxDiff(scores(deep, x), before)).isLessThan(1e-4);
        // twice more: the next targets are shallower layers (the inserted one is not deepened again)
        Net2Net.Net deeper = Net2Net.deeper(deep, Net2Net.deepenTarget(deep.arch()));
        assertThat(Net2Net.deepenTarget(deep.arch())).isLessThan(target);
        assertThat(maxDiff(scores(deeper, x), before)).isLessThan(1e-4);

        // the naive insertion (identity kernel, no shift) would not preserve ELU networks: ELU(ELU(x)) != ELU(x)
        Net2Net.Net naive = Net2Net.deeper(net, target);
        naive.weights().b().set(target + 1, new float[a.conv(target).out()]);
        naive.weights().b().set(naive.arch().nextConv(target + 1), net.weights().b().get(a.nextConv(target)).clone());
        assertThat(maxDiff(scores(naive, x), before)).isGreaterThan(1e-3);

        // Siamese network: the last convolution may be deepened; features shift by 1, L1 distances stay
        Net2Net.Net siamese = randomNet(a, false, 9);
        Net2Net.Net siameseDeep = Net2Net.deeper(siamese, a.lastConv());
        INDArray f0 = features(siamese, x);
        INDArray f1 = features(siameseDeep, x);
        assertThat(maxDiff(f1.sub(1.0), f0)).isLessThan(1e-4);
        assertThatThrownBy(() -> Net2Net.deeper(net, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Net2Net.wider(siamese, a.lastConv(), 64, 0, new Random(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void siameseWideningOfHiddenLayersKeepsTheFeatures() {
        TinyDarknet a = TinyDarknet.base(SIDE, 4, 2);
        Net2Net.Net net = randomNet(a, false, 13);
        INDArray x = inputs(4);
        Net2Net.Net wide = Net2Net.widerAll(net, 1.5, false, 0, new Random(2));
        assertThat(wide.arch().features()).isEqualTo(a.features());
        assertThat(maxDiff(features(wide, x), features(net, x))).isLessThan(1e-4);
    }
}
