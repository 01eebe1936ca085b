package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelProperties;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.DataPaths;
import io.quorum.training.export.Dl4jOnnxExporter;
import io.quorum.training.export.GradientExporter;
import io.quorum.training.export.Parity;
import io.quorum.training.steps.AdversarialTraining;
import io.quorum.training.steps.DigitParams;
import io.quorum.training.steps.Dl4jClassifier;
import io.quorum.training.steps.Robustness;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.GradientClassifier;
import io.quorum.vision.model.OnnxClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The digits classifier of the seed's second post ("Ensembling Against Adversarial Instances"): a CNN on MNIST (the
 * 8,000 real digits, split seeded and stratified) or Fashion-MNIST (the 60k training set less a validation slice; the
 * official 10k test set reported as well), the seed's cleverhans network or a stronger VGG-style one, with optional
 * augmentation and <b>per-iteration adversarial training</b>: every minibatch, part of it is replaced by FGSM or PGD
 * adversarials made on the network being trained, by the served attacks' code ({@link AdversarialTraining} over
 * {@link Dl4jClassifier}).
 *
 * <p>Published like every model: {@code model.onnx} (input {@code x}, outputs {@code probabilities} and
 * {@code features}, the last hidden layer) and {@code gradient.onnx} (the exact input-gradient graph), both checked
 * against DL4J on held examples; validation accuracy and the robustness figures (FGSM eps 0.3, PGD eps 0.1 and 0.3, and
 * the gate's attack) computed on the exported ONNX files through vision's {@link OnnxClassifier}, i.e. on what the
 * services will serve. The gate ({@link DigitParams}) checks clean accuracy and that the accuracy under the configured
 * attack does not regress against the champion's.
 */
public final class DigitClassifierJob implements TrainingJob {

    public static final String NAME = "digit-classifier";
    public static final String MNIST = DataPaths.MNIST;
    public static final String FASHION = DataPaths.FASHION_MNIST;
    /** Metric: accuracy on the official test set (Fashion-MNIST). */
    public static final String TEST_ACCURACY = "test_accuracy";
    /** Metric: mean cross-entropy on the validation split. */
    public static final String LOSS = "loss";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Image classifier (MNIST digits, Fashion-MNIST) with optional per-iteration adversarial training; "
                + "model.onnx + gradient.onnx, gated on clean and adversarial accuracy";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", MNIST + " - " + MNIST + " (the 8,000 real digits, split here) or " + FASHION
                + " (60k training set less the validation slice; the 10k test set is reported too)");
        p.put("model", DigitClassifierSpec.MODEL_NAME + " - registry name to publish under");
        p.put("arch", "cleverhans - cleverhans (the seed's CNN) or vgg (conv-conv-pool x2 with batch norm and dropout)");
        p.put("epochs", "12 - passes over the training split");
        p.put("batch", "128 - minibatch size");
        p.put("lr", "0.001 - Adam learning rate");
        p.put("lr-decay", "0.8 - the learning rate is multiplied by this after every epoch");
        p.put("l2", "0 - L2 weight decay");
        p.put("dropout", "0.25 - vgg: dropout after each conv block (twice that, at most 0.5, after the dense layer)");
        p.put("augment", "true - random shifts (2 px), rotations (10 degrees) and scaling (10%) of training images");
        p.put("adversarial", "none - per-iteration adversarial training: none, fgsm or pgd");
        p.put("adv-ratio", "0.5 - fraction of every minibatch replaced by adversarials of the model being trained");
        p.put("adv-eps", "0.3 - L-inf eps of the training adversarials");
        p.put("adv-steps", "10 - PGD iterations of the training adversarials (from a random start)");
        p.put("adv-step", "2.5 eps / adv-steps - PGD step of the training adversarials (adv-steps=1 adv-step=1.25eps: "
                + "Wong et al.'s fast adversarial training)");
        p.put("adv-static", "none - ensemble adversarial training (Tramer et al. 2018): architectures (e.g. cleverhans,vgg) of "
                + "undefended static models trained first (their own seeds); the batches' adversarials come in turn from the "
                + "model being trained and each static model");
        p.put("adv-static-epochs", "6 - clean epochs of each static model");
        p.put("validation", "0.2 for mnist, 0.1 for fashion-mnist - fraction held out (stratified) for the reported metrics");
        p.put("split-seed", "42 - seed of the train/validation split (the same for every model, whatever its seed)");
        p.put("rows", "all - use only the first N images of the training pool (tests)");
        p.put("robust-n", "1000 - validation images (a seeded subset) the robustness figures are computed on");
        p.put("robust-steps", "40 - PGD iterations of the robustness figures");
        DigitParams.declare(p);
        return p;
    }

    @Override
    public Gate gate(JobParams params) throws JobFailedException {
        return DigitParams.gate(params);
    }

    /** The job's parameters, read and checked. */
    record Settings(String data, String arch, int epochs, int batch, double lr, double lrDecay, double l2, double dropout,
                    boolean augment, AdversarialTraining adversarial, List<String> staticArchs, int staticEpochs,
                    double validation, long splitSeed, int rows, int robustN, int robustSteps, Robustness.Attack gateAttack,
                    String model) {

        static Settings read(JobParams p) throws JobFailedException {
            String data = p.oneOf("data", MNIST, MNIST, FASHION);
            String arch = p.oneOf("arch", "cleverhans", DigitNetworks.ARCHITECTURES.toArray(String[]::new));
            int epochs = p.integer("epochs", 12);
            int batch = p.integer("batch", 128);
            double lr = p.number("lr", 0.001);
            double lrDecay = p.number("lr-decay", 0.8);
            double l2 = p.number("l2", 0);
            double dropout = p.number("dropout", 0.25);
            boolean augment = p.bool("augment", true);
            String adv = p.oneOf("adversarial", "none", "none", "fgsm", "pgd");
            double validation = p.number("validation", data.equals(MNIST) ? 0.2 : 0.1);
            long splitSeed = p.integer("split-seed", 42);
            String rowsValue = p.string("rows", "all");
            int robustN = p.integer("robust-n", 1000);
            int robustSteps = p.integer("robust-steps", 40);
            if (epochs < 1 || batch < 2 || !(lr > 0) || !(lrDecay > 0 && lrDecay <= 1) || l2 < 0) {
                throw new JobFailedException("epochs must be >= 1, batch >= 2, lr > 0, lr-decay in (0, 1], l2 >= 0");
            }
            if (!(dropout >= 0 && dropout < 0.5)) {
                throw new JobFailedException("dropout must be in [0, 0.5), got " + dropout);
            }
            if (!(validation > 0 && validation < 1)) {
                throw new JobFailedException("validation must be in (0, 1), got " + validation);
            }
            if (robustN < 1 || robustSteps < 1 || robustSteps > 1000) {
                throw new JobFailedException("robust-n must be >= 1 and robust-steps in 1..1000");
            }
            int rows;
            try {
                rows = rowsValue.equals("all") ? Integer.MAX_VALUE : Integer.parseInt(rowsValue.trim());
            } catch (NumberFormatException e) {
                throw new JobFailedException("rows must be 'all' or a number, got '" + rowsValue + "'");
            }
            if (rows < 20) {
                throw new JobFailedException("rows must be at least 20, got " + rows);
            }
            AdversarialTraining adversarial = null;
            List<String> staticArchs = List.of();
            int staticEpochs = 0;
            if (!adv.equals("none")) { // the adv-* parameters are read (and recorded) only when they are used
                double ratio = p.number("adv-ratio", 0.5);
                double eps = p.number("adv-eps", 0.3);
                int steps = adv.equals("pgd") ? p.integer("adv-steps", 10) : 1;
                double step = adv.equals("pgd") && p.has("adv-step") ? p.number("adv-step", Double.NaN) : Double.NaN;
                if (!(eps > 0 && eps <= 1) || steps < 1 || steps > 1000 || !(ratio > 0 && ratio <= 1)
                        || !(Double.isNaN(step) || step > 0 && step <= 1)) {
                    throw new JobFailedException("adv-eps must be in (0, 1], adv-steps in 1..1000, adv-step in (0, 1], "
                            + "adv-ratio in (0, 1]");
                }
                adversarial = new AdversarialTraining(adv, eps, steps, step, ratio);
                String statics = p.string("adv-static", "none").trim();
                if (!statics.equals("none") && !statics.isEmpty()) {
                    staticArchs = Arrays.stream(statics.split(",")).map(String::trim).toList();
                    for (String a : staticArchs) {
                        if (!DigitNetworks.ARCHITECTURES.contains(a)) {
                            throw new JobFailedException("adv-static: unknown architecture '" + a + "'; known: "
                                    + DigitNetworks.ARCHITECTURES);
                        }
                    }
                    staticEpochs = p.integer("adv-static-epochs", 6);
                    if (staticEpochs < 1) {
                        throw new JobFailedException("adv-static-epochs must be >= 1, got " + staticEpochs);
                    }
                }
            }
            Robustness.Attack gateAttack = DigitParams.gateAttack(p);
            return new Settings(data, arch, epochs, batch, lr, lrDecay, l2, dropout, augment, adversarial, staticArchs,
                    staticEpochs, validation, splitSeed, rows, robustN, robustSteps, gateAttack,
                    p.string("model", DigitClassifierSpec.MODEL_NAME));
        }

        /** These settings for an undefended model of {@code architecture} trained {@code epochs} epochs (a static model). */
        Settings undefended(String architecture, int epochs) {
            return new Settings(data, architecture, epochs, batch, lr, lrDecay, l2, dropout, augment, null, List.of(), 0,
                    validation, splitSeed, rows, robustN, robustSteps, gateAttack, model);
        }

        String describeArchitecture() {
            return arch + (arch.equals("vgg") ? " dropout=" + dropout : "") + (augment ? " augment" : "")
                    + (adversarial == null ? "" : " adversarial=" + adversarial)
                    + (staticArchs.isEmpty() ? "" : " static=" + String.join(",", staticArchs));
        }
    }

    /**
     * The images a job reads: its training and validation splits, the official test set (Fashion-MNIST, else null),
     * the validation subset its robustness figures are computed on, what they are ({@code ref}) and their SHA-256.
     */
    public record Data(DigitSet train, DigitSet validation, DigitSet test, DigitSet robust, String ref, String hash) {
    }

    /**
     * The images a job run with {@code params} trains and is evaluated on (the same split and robustness subset), for
     * tools that evaluate its models further (transfer between models, pre-generated adversarial sets).
     */
    public static Data data(Map<String, String> params, Path dataDir) throws JobFailedException {
        return load(Settings.read(new JobParams(params)), dataDir);
    }

    static Data load(Settings s, Path dataDir) throws JobFailedException {
        String poolRef = s.data().equals(MNIST) ? MNIST : "fashion-mnist:train";
        DigitSet pool;
        DigitSet test = null;
        try {
            pool = DigitSets.load(poolRef, dataDir);
            if (s.data().equals(FASHION)) {
                test = DigitSets.load("fashion-mnist:test", dataDir);
            }
        } catch (IOException | RuntimeException e) {
            throw new JobFailedException("cannot read the " + s.data() + " data set from " + dataDir + " ("
                    + DataPaths.describe(dataDir, DigitSets.files(poolRef, dataDir)[0]) + "): " + e.getMessage(), e);
        }
        if (s.rows() < pool.size()) {
            pool = pool.head(s.rows());
        }
        DigitSet[] split = pool.split(s.validation(), s.splitSeed());
        for (int c = 0; c < split[1].classes().size(); c++) {
            if (split[1].classCounts()[c] == 0 || split[0].classCounts()[c] == 0) {
                throw new JobFailedException("too few images: class " + split[1].classes().get(c)
                        + " is missing from the training or the validation split (rows=" + s.rows() + ")");
            }
        }
        Path images = DigitSets.files(poolRef, dataDir)[0];
        String ref = String.format("%s: %s, %d images; stratified split %.2f (seed %d): %d train, %d validation%s",
                s.data(), DataPaths.describe(dataDir, images), pool.size(), s.validation(), s.splitSeed(), split[0].size(),
                split[1].size(), test == null ? "" : "; test " + DataPaths.describe(dataDir,
                        DigitSets.files("fashion-mnist:test", dataDir)[0]) + ", " + test.size() + " images");
        // the same images for every model of a split (whatever its seed): figures compare across models
        return new Data(split[0], split[1], test, robustSubset(split[1], s.robustN(), s.splitSeed()), ref, hash(pool));
    }

    /** SHA-256 of the images (as bytes, as stored) and labels read. */
    static String hash(DigitSet set) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] row = new byte[set.pixels()];
            for (int i = 0; i < set.size(); i++) {
                float[] img = set.images()[i];
                for (int j = 0; j < row.length; j++) {
                    row[j] = (byte) Math.round(img[j] * 255f);
                }
                md.update(row);
                md.update((byte) set.labels()[i]);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public TrainedModel run(JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        p.requireKnown(parameters().keySet(), name());
        Settings s = Settings.read(p);
        Data d = load(s, ctx.dataDir());
        DigitSet train = d.train();
        int h = train.height();
        int w = train.width();
        int classes = train.classes().size();
        ctx.progress(0, s.epochs(), 0, Double.NaN, 0, -1, Map.of(), String.format("training %s on %d images (%d validation%s)",
                s.describeArchitecture(), train.size(), d.validation().size(), d.test() == null ? "" : ", " + d.test().size() + " test"));

        long started = System.nanoTime();
        List<GradientClassifier> statics = new ArrayList<>();
        Map<String, Double> staticMetrics = new LinkedHashMap<>();
        for (int k = 0; k < s.staticArchs().size(); k++) {
            String arch = s.staticArchs().get(k);
            long seed = staticSeed(ctx.seed(), k);
            ctx.progress(0, s.epochs(), 0, Double.NaN, 0, -1, Map.of(), String.format(
                    "static model %d: %s, seed %d, %d clean epochs", k + 1, arch, seed, s.staticEpochs()));
            MultiLayerNetwork staticNet = new MultiLayerNetwork(DigitNetworks.configuration(arch, h, w, classes, s.lr(),
                    s.lrDecay(), s.l2(), s.dropout(), seed));
            staticNet.init();
            train(staticNet, s.undefended(arch, s.staticEpochs()), train, d.validation(), List.of(), seed, ctx);
            staticMetrics.put("static_" + (k + 1) + "_accuracy", accuracy(staticNet, d.validation()));
            statics.add(new Dl4jClassifier(staticNet, DigitNetworks.inputType(h, w)));
        }
        MultiLayerNetwork net = new MultiLayerNetwork(DigitNetworks.configuration(s.arch(), h, w, classes, s.lr(), s.lrDecay(),
                s.l2(), s.dropout(), ctx.seed()));
        net.init();
        train(net, s, train, d.validation(), statics, ctx.seed(), ctx);
        double trainSeconds = (System.nanoTime() - started) / 1e9;

        Map<String, String> meta = DigitClassifierSpec.properties(h, w, train.classes(), s.data());
        byte[] onnx;
        byte[] gradient;
        try {
            onnx = Dl4jOnnxExporter.export(net, DigitClassifierSpec.INPUT, new long[] {(long) h * w}, DigitClassifierSpec.OUTPUT,
                    DigitClassifierSpec.FEATURES, meta);
            gradient = GradientExporter.export(net, new long[] {(long) h * w}, meta);
        } catch (RuntimeException e) {
            throw new JobFailedException("the network cannot be exported: " + e.getMessage(), e);
        }
        Map<String, Double> parities = parity(net, onnx, gradient, d.validation());
        double parity = parities.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        if (!(parity <= Parity.TOLERANCE)) {
            throw new JobFailedException(String.format("the ONNX export is not exact: %s (tolerance %.0e); nothing published",
                    parities, Parity.TOLERANCE));
        }
        ctx.progress(s.epochs(), s.epochs(), 0, Double.NaN, 0, -1, Map.of(), "exported; parity " + parities
                + "; computing the robustness figures on the ONNX files");

        Map<String, Double> metrics = new LinkedHashMap<>(evaluate(onnx, gradient, s, d));
        metrics.put("train_images", (double) train.size());
        metrics.put("validation_images", (double) d.validation().size());
        metrics.put("epochs", (double) s.epochs());
        metrics.put("train_seconds", trainSeconds);
        metrics.putAll(staticMetrics);

        Map<String, String> properties = new LinkedHashMap<>(meta);
        properties.put(ModelProperties.ARCHITECTURE, s.describeArchitecture());
        Map<String, String> hyper = p.used();
        hyper.put("seed", Long.toString(ctx.seed()));
        List<String> notes = new ArrayList<>();
        notes.add(String.format("accuracy and loss on the whole validation split (%d images); robustness figures "
                        + "(<attack>_<eps>_accuracy) on %d of them (a subset drawn with the split seed %d, the same for every "
                        + "model), white-box attacks on the published model.onnx + gradient.onnx through ONNX Runtime; PGD: "
                        + "%d steps of 2.5 eps / %d, random start", d.validation().size(),
                (int) Math.round(metrics.get("robust_images")), s.splitSeed(),
                s.robustSteps(), s.robustSteps()));
        notes.add("export parity (max |DL4J - ONNX Runtime| on up to 256 validation images; the gradient's relative to its largest component when above 1, the worst 5% of images set aside as at a ReLU or pooling tie): " + parities
                + "; the gradient is compared with DL4J's input gradient of the inference network");
        if (!statics.isEmpty()) {
            notes.add("ensemble adversarial training (Tramer et al. 2018): static undefended models " + s.staticArchs()
                    + " (seeds " + java.util.stream.IntStream.range(0, statics.size()).mapToObj(k -> Long.toString(
                    staticSeed(ctx.seed(), k))).toList() + ", " + s.staticEpochs() + " clean epochs each, validation accuracy "
                    + "static_<k>_accuracy) were trained first; the adversarial part of batch b was made on the model being "
                    + "trained when b mod " + (statics.size() + 1) + " = 0, else on static model b mod " + (statics.size() + 1));
        }
        if (d.test() != null) {
            notes.add(TEST_ACCURACY + ": the official Fashion-MNIST test set (" + d.test().size() + " images), never used "
                    + "for training or selection");
        }
        return new TrainedModel(s.model(), net, onnx, gradient, parity, metrics, properties, hyper, d.ref(), d.hash(), Map.of(),
                notes);
    }

    /** The seed of static model {@code k} (never the job's own: a static model is another model than the trained one). */
    static long staticSeed(long seed, int k) {
        return new Random(seed ^ 0x57a71cL).longs(k + 1).skip(k).findFirst().orElseThrow();
    }

    /**
     * Minibatch training with optional augmentation and per-iteration adversarials (made on the model being trained, or
     * in turn on it and each of {@code statics}); progress once per epoch ({@link DigitTraining}).
     */
    static void train(MultiLayerNetwork net, Settings s, DigitSet train, DigitSet validation, List<GradientClassifier> statics,
                      long seed, JobContext ctx) throws JobFailedException {
        DigitTraining.train(net, new DigitTraining.Schedule(s.epochs(), s.batch(), s.augment(), s.adversarial()), train,
                validation, statics, seed, ctx);
    }

    /** Accuracy of the DL4J network (inference mode) on {@code set}, in chunks. */
    static double accuracy(MultiLayerNetwork net, DigitSet set) {
        return DigitTraining.accuracy(net, set);
    }

    /**
     * max |DL4J - ONNX Runtime| on up to 256 held images: the probabilities and the features of {@code model.onnx};
     * the probabilities and the input gradient of {@code gradient.onnx} (against DL4J's gradient of the inference
     * network, {@link Dl4jClassifier}; this one relative to the largest gradient component when that exceeds 1, the
     * worst 5% of images set aside as at a ReLU or pooling tie: {@link Parity#exceptTies}).
     */
    static Map<String, Double> parity(MultiLayerNetwork net, byte[] onnx, byte[] gradient, DigitSet held)
            throws JobFailedException {
        DigitSet probe = held.head(256);
        INDArray x = Dl4jClassifier.matrix(probe.images());
        INDArray y = Dl4jClassifier.oneHot(probe.labels(), probe.classes().size());
        Map<String, INDArray> feed = Map.of(DigitClassifierSpec.INPUT, x);
        Map<String, Double> out = new LinkedHashMap<>();
        try {
            out.put("probabilities", Parity.check(net, onnx, DigitClassifierSpec.INPUT, DigitClassifierSpec.OUTPUT, x).maxAbsDiff());
            int last = net.getnLayers() - 1;
            INDArray features = net.feedForwardToLayer(last - 1, x, false).get(last);
            out.put("features", Parity.check(features.dup('c').reshape('c', features.size(0), -1), onnx, feed,
                    DigitClassifierSpec.FEATURES).maxAbsDiff());
            Map<String, INDArray> gradFeed = Map.of(DigitClassifierSpec.INPUT, x, DigitClassifierSpec.LABELS, y);
            out.put("gradient-probabilities", Parity.check(net.output(x, false), gradient, gradFeed,
                    DigitClassifierSpec.OUTPUT).maxAbsDiff());
            INDArray dl4jGradient = new Dl4jClassifier(net, DigitNetworks.inputType(held.height(), held.width()))
                    .inputGradient(x, y);
            // relative to the probe's largest gradient component (at least 1): the input gradient of a network with folded
            // batch normalisation reaches tens where a running variance is small, and float32 rounding scales with it
            double scale = Math.max(1.0, dl4jGradient.amaxNumber().doubleValue());
            double[] perImage = Parity.checkPerExample(dl4jGradient.castTo(DataType.FLOAT), gradient, gradFeed,
                    DigitClassifierSpec.GRADIENT);
            out.put("gradient", Parity.exceptTies(perImage) / scale);
        } catch (OrtException e) {
            throw new JobFailedException("the exported model does not load in ONNX Runtime: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Validation (and test) accuracy and loss, and the robustness figures, on the exported files through vision's
     * {@link OnnxClassifier} (after the serving contract's checks).
     */
    static Map<String, Double> evaluate(byte[] onnx, byte[] gradient, Settings s, Data d) throws JobFailedException {
        InferenceOptions ort = InferenceOptions.cpu(Math.max(1, Runtime.getRuntime().availableProcessors()));
        OnnxSession m = null;
        OnnxSession g = null;
        try {
            m = OnnxSession.open(onnx, ort);
            g = OnnxSession.open(gradient, ort);
            DigitClassifierSpec.check(m, null);
            DigitClassifierSpec.checkGradient(g, DigitClassifierSpec.inputSize(m.signature()), DigitClassifierSpec.classes(m.signature()));
        } catch (OrtException | ModelRejectedException e) {
            close(m, g);
            throw new JobFailedException("the exported classifier breaks its serving contract: " + e.getMessage(), e);
        }
        try (OnnxClassifier c = OnnxClassifier.of(m, g)) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            DigitSet val = d.validation();
            float[][] probs = c.probabilities(val.images());
            metrics.put(DigitParams.ACCURACY, accuracy(probs, val.labels()));
            double loss = 0;
            for (int i = 0; i < probs.length; i++) {
                loss -= Math.log(Math.max(1e-30, probs[i][val.labels()[i]]));
            }
            metrics.put(LOSS, loss / probs.length);
            if (d.test() != null) {
                metrics.put(TEST_ACCURACY, accuracy(c.probabilities(d.test().images()), d.test().labels()));
            }
            DigitSet subset = d.robust();
            List<Robustness.Attack> attacks = new ArrayList<>(Robustness.STANDARD);
            attacks.add(s.gateAttack());
            // the same PGD starts for every model of a split
            metrics.putAll(Robustness.figures(c, subset.images(), subset.labels(), attacks, s.robustSteps(), s.splitSeed()));
            metrics.put("robust_images", (double) subset.size());
            return metrics;
        }
    }

    /** {@code n} validation images drawn with {@code seed} (all of them when there are fewer). */
    static DigitSet robustSubset(DigitSet val, int n, long seed) {
        if (n >= val.size()) {
            return val;
        }
        int[] order = permutation(val.size(), new Random(seed ^ 0x0b05L));
        int[] rows = Arrays.copyOf(order, n);
        Arrays.sort(rows);
        return val.select(rows, val.name() + "[robust " + n + "]");
    }

    static double accuracy(float[][] probabilities, int[] labels) {
        int[] p = io.quorum.vision.model.Classifier.argmax(probabilities);
        int ok = 0;
        for (int i = 0; i < p.length; i++) {
            ok += p[i] == labels[i] ? 1 : 0;
        }
        return ok / (double) p.length;
    }

    static int[] permutation(int n, Random rnd) {
        return DigitTraining.permutation(n, rnd);
    }

    private static void close(OnnxSession a, OnnxSession b) {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }
}
