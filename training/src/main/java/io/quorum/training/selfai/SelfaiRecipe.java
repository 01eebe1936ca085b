package io.quorum.training.selfai;

import io.quorum.faces.probe.RegressionMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Selfai recipe on DL4J: (1) Siamese pre-training of the feature network with {@link PairedHingeL1Loss}, growing it
 * with Net2Net whenever the epoch loss stalls; (2) Net2Net once more, doubling every convolution's width; (3) Huber
 * fine-tuning of the score with class-balanced sampling. Augmentation throughout. Variants: no pre-training (the final
 * architecture from random weights, Huber only), pre-training without Net2Net (the final architecture pre-trained
 * directly). Every variant ends with the same architecture ({@link #finalArchitecture}).
 *
 * <p>Random streams, all from the seed: network initialisation {@code seed}, pairs {@code seed ^ 0x5a1}, fine-tuning
 * draws {@code seed ^ 0xf1e}, augmentation {@code seed ^ 0xa09}, Net2Net {@code seed ^ 0x2e2}.
 */
public final class SelfaiRecipe {

    /** The recipe's settings. */
    public record Settings(int size, int width, int dilation, int pretrainEpochs, boolean net2net, int finetuneEpochs,
                           boolean augment, int batch, double pretrainLr, double finetuneLr, double marginPerDim,
                           double huberDelta, int pairGap, double noise, double stall, int grow, int lowestClass,
                           int highestClass) {
    }

    /** A Net2Net event: when, what, the architecture after it. */
    public record Event(String stage, int epoch, String operator, String architecture) {
    }

    /** What a run produced. */
    public record Result(MultiLayerNetwork network, TinyDarknet architecture, List<Event> events, double pretrainSeconds,
                         double finetuneSeconds, List<Double> pretrainLoss, List<Double> finetuneLoss,
                         List<Double> validationPlcc) {
    }

    private final Settings s;
    private final Consumer<String> log;

    public SelfaiRecipe(Settings s, Consumer<String> log) {
        this.s = s;
        this.log = log;
    }

    /** The growth applied on stalls, in order ({@code grow} of them at most): deeper, then wider 1.5x, alternating. */
    static String operator(int k) {
        return k % 2 == 0 ? "deeper" : "wider x1.5";
    }

    /** The base network every variant's architecture grows from. */
    public TinyDarknet base() {
        return TinyDarknet.base(s.size(), s.width(), s.dilation());
    }

    /** The architecture every variant fine-tunes: the base after all stall operators and the final doubling. */
    public TinyDarknet finalArchitecture() {
        Net2Net.Net n = zeros(base());
        for (int k = 0; k < s.grow(); k++) {
            n = grow(n, k, new Random(0));
        }
        return Net2Net.widerAll(withZeroHead(n), 2.0, true, 0, new Random(0)).arch();
    }

    private static Net2Net.Net zeros(TinyDarknet a) {
        List<float[]> w = new ArrayList<>();
        List<float[]> b = new ArrayList<>();
        for (int i = 0; i < a.blocks().size(); i++) {
            if (a.blocks().get(i) instanceof TinyDarknet.Conv c) {
                w.add(new float[c.out() * a.inChannels(i) * c.kernel() * c.kernel()]);
                b.add(new float[c.out()]);
            } else {
                w.add(null);
                b.add(null);
            }
        }
        return new Net2Net.Net(a, new Weights(w, b, null, 0f));
    }

    private static Net2Net.Net withZeroHead(Net2Net.Net n) {
        return new Net2Net.Net(n.arch(), n.weights().withHead(new float[n.arch().features()], 0f));
    }

    private Net2Net.Net grow(Net2Net.Net n, int k, Random rnd) {
        if (operator(k).equals("deeper")) {
            int at = Net2Net.deepenTarget(n.arch());
            return at < 0 ? n : Net2Net.deeper(n, at);
        }
        return Net2Net.widerAll(n, 1.5, false, s.noise(), rnd);
    }

    private double margin(TinyDarknet a) {
        return s.marginPerDim() * a.features();
    }

    public Result run(FaceCrops train, FaceCrops val, long seed) {
        ScoreClasses classes = new ScoreClasses(train.scores(), s.lowestClass(), s.highestClass());
        Random pairRnd = new Random(seed ^ 0x5a1L);
        Random drawRnd = new Random(seed ^ 0xf1eL);
        Random augRnd = new Random(seed ^ 0xa09L);
        Random growRnd = new Random(seed ^ 0x2e2L);
        List<Event> events = new ArrayList<>();
        List<Double> preLoss = new ArrayList<>();
        TinyDarknet fin = finalArchitecture();
        Weights pretrained = null;
        TinyDarknet arch;
        long t0 = System.nanoTime();
        if (s.pretrainEpochs() > 0) {
            arch = s.net2net() ? base() : fin;
            MultiLayerNetwork net = SelfaiNetworks.build(arch, SelfaiNetworks.Head.SIAMESE, s.pretrainLr(), margin(arch), seed);
            log.accept("siamese pre-training: " + arch.describe() + ", margin " + margin(arch) + ", "
                    + arch.macs() / 1_000_000 + "M MACs/image");
            int grown = 0;
            double best = Double.POSITIVE_INFINITY;
            for (int epoch = 1; epoch <= s.pretrainEpochs(); epoch++) {
                double loss = siameseEpoch(net, train, classes, pairRnd, augRnd);
                preLoss.add(loss);
                log.accept(String.format("siamese epoch %d/%d: pair loss %.4f (%s)", epoch, s.pretrainEpochs(), loss,
                        arch.describe()));
                boolean stalled = epoch >= 2 && loss > best * (1 - s.stall());
                best = Math.min(best, loss);
                if (s.net2net() && stalled && grown < s.grow() && epoch < s.pretrainEpochs()) {
                    Net2Net.Net n = grow(new Net2Net.Net(arch, SelfaiNetworks.get(net, arch)), grown, growRnd);
                    events.add(new Event("siamese", epoch, operator(grown) + " (stall)", n.arch().describe()));
                    log.accept("stall at epoch " + epoch + ": " + operator(grown) + " -> " + n.arch().describe());
                    grown++;
                    arch = n.arch();
                    net = SelfaiNetworks.build(arch, n.weights(), SelfaiNetworks.Head.SIAMESE, s.pretrainLr(), margin(arch), seed);
                    best = Double.POSITIVE_INFINITY; // a new network: its own stall history
                }
            }
            Net2Net.Net n = new Net2Net.Net(arch, SelfaiNetworks.get(net, arch));
            while (s.net2net() && grown < s.grow()) {
                n = grow(n, grown, growRnd);
                events.add(new Event("siamese-end", s.pretrainEpochs(), operator(grown) + " (no stall left it pending)",
                        n.arch().describe()));
                grown++;
            }
            arch = n.arch();
            pretrained = n.weights();
        } else {
            arch = fin;
        }
        double pretrainSeconds = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        double mean = java.util.Arrays.stream(train.scores()).average().orElse(5);
        MultiLayerNetwork net = SelfaiNetworks.build(arch, SelfaiNetworks.Head.SCORE, s.finetuneLr(), s.huberDelta(), seed);
        if (pretrained != null) {
            SelfaiNetworks.set(net, arch, pretrained);
        }
        net.getLayer(arch.blocks().size() + 1).getParam("b").assign(mean);
        if (pretrained != null && s.net2net()) {
            Net2Net.Net n = Net2Net.widerAll(new Net2Net.Net(arch, SelfaiNetworks.get(net, arch)), 2.0, true, s.noise(),
                    growRnd);
            events.add(new Event("before-finetune", 0, "wider x2 (all)", n.arch().describe()));
            arch = n.arch();
            net = SelfaiNetworks.build(arch, n.weights(), SelfaiNetworks.Head.SCORE, s.finetuneLr(), s.huberDelta(), seed);
        }
        if (!arch.equals(fin)) {
            throw new IllegalStateException("fine-tuning " + arch.describe() + ", expected " + fin.describe());
        }
        log.accept("huber fine-tuning: " + arch.describe() + ", " + arch.macs() / 1_000_000 + "M MACs/image");
        List<Double> ftLoss = new ArrayList<>();
        List<Double> valPlcc = new ArrayList<>();
        for (int epoch = 1; epoch <= s.finetuneEpochs(); epoch++) {
            double loss = huberEpoch(net, train, classes, drawRnd, augRnd);
            ftLoss.add(loss);
            double plcc = RegressionMetrics.pearson(predict(net, val), val.scores());
            valPlcc.add(plcc);
            log.accept(String.format("fine-tune epoch %d/%d: huber %.4f, val PLCC %.4f", epoch, s.finetuneEpochs(), loss, plcc));
        }
        double finetuneSeconds = (System.nanoTime() - t1) / 1e9;
        return new Result(net, arch, events, pretrainSeconds, finetuneSeconds, preLoss, ftLoss, valPlcc);
    }

    /** One epoch of pairs (half as many pairs as training images, so each image is seen about once). */
    private double siameseEpoch(MultiLayerNetwork net, FaceCrops train, ScoreClasses classes, Random pairRnd, Random augRnd) {
        int pairs = Math.max(2, train.size() / 2);
        int b = Math.max(1, s.batch() / 2);
        double total = 0;
        int count = 0;
        for (int from = 0; from < pairs; from += b) {
            int n = Math.min(b, pairs - from);
            float[][] x = new float[2 * n][];
            float[] y = new float[2 * n];
            for (int i = 0; i < n; i++) {
                int[] p = classes.pair(s.pairGap(), pairRnd);
                x[i] = augment(train.images()[p[0]], train.side(), augRnd);
                x[i + n] = augment(train.images()[p[1]], train.side(), augRnd);
                y[i] = p[2];
                y[i + n] = p[2];
            }
            net.fit(new DataSet(batch(x, train.side()), Nd4j.create(y, new long[] {2L * n, 1}, 'c')));
            total += net.score() * 2 * n; // the score is half the mean pair loss
            count += n;
        }
        return total / count;
    }

    private double huberEpoch(MultiLayerNetwork net, FaceCrops train, ScoreClasses classes, Random drawRnd, Random augRnd) {
        int[] draws = classes.balanced(train.size(), drawRnd);
        double total = 0;
        for (int from = 0; from < draws.length; from += s.batch()) {
            int n = Math.min(s.batch(), draws.length - from);
            float[][] x = new float[n][];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = augment(train.images()[draws[from + i]], train.side(), augRnd);
                y[i] = (float) train.scores()[draws[from + i]];
            }
            net.fit(new DataSet(batch(x, train.side()), Nd4j.create(y, new long[] {n, 1}, 'c')));
            total += net.score() * n;
        }
        return total / draws.length;
    }

    private float[] augment(float[] img, int side, Random rnd) {
        return s.augment() ? FaceAugmentation.DEFAULT.apply(img, side, rnd) : img;
    }

    /** NCHW {@code [n, 3, S, S]} network input: CHW [0, 1] crops minus 0.5. */
    public static INDArray batch(float[][] chw, int side) {
        int per = 3 * side * side;
        float[] flat = new float[chw.length * per];
        for (int i = 0; i < chw.length; i++) {
            for (int j = 0; j < per; j++) {
                flat[i * per + j] = chw[i][j] - 0.5f;
            }
        }
        return Nd4j.create(flat, new long[] {chw.length, 3, side, side}, 'c');
    }

    /** DL4J scores of every crop (inference mode), in chunks. */
    public static double[] predict(MultiLayerNetwork net, FaceCrops crops) {
        double[] out = new double[crops.size()];
        for (int from = 0; from < crops.size(); from += 64) {
            int to = Math.min(crops.size(), from + 64);
            INDArray o = net.output(batch(java.util.Arrays.copyOfRange(crops.images(), from, to), crops.side()), false);
            for (int i = from; i < to; i++) {
                out[i] = o.getDouble(i - from, 0);
            }
        }
        return out;
    }
}
