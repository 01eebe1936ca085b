package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.EnsembleFusion;
import io.quorum.shared.model.ModelProperties;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.PublishedModels;
import io.quorum.training.export.Dl4jOnnxExporter;
import io.quorum.training.export.GradientExporter;
import io.quorum.training.export.Parity;
import io.quorum.training.steps.DigitParams;
import io.quorum.training.steps.Dl4jClassifier;
import io.quorum.training.steps.Robustness;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.ensemble.Detector;
import io.quorum.vision.ensemble.Disagreement;
import io.quorum.vision.ensemble.OnnxEnsemble;
import io.quorum.vision.ensemble.Vote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The seed's ensembles ("Ensembling Against Adversarial Instances"): N members of the digits ConvNet, each trained on
 * the whole training split with its own seed ({@code mode=uniform}) or on its own bootstrap sample
 * ({@code mode=bootstrap}: a fraction of the split drawn with or without replacement), optionally with a published
 * model (the baseline the transferred adversarials are made on) as one more member; published as <b>one fused ONNX
 * graph</b> ({@link EnsembleFusion}, {@link DigitEnsembleSpec}): every member side by side, output {@code members}
 * {@code [N, M, C]} and their mean {@code probabilities}, plus {@code gradient.onnx} of the mean-probability ensemble.
 *
 * <p>Members are a deterministic function of (seed, index, mode) and kept in a cache ({@link EnsembleMembers}), so the
 * first 5 of 50 are an ensemble of 5 and a later job with more members, the other votes or the baseline reuses them.
 * Parity is checked member by member: each member's slice of the fused {@code members} against its DL4J network (the
 * baseline against its own {@code model.onnx}), the fused gradient against the members' DL4J input gradients combined.
 * The job calibrates the adversarial detector: the threshold on the members' disagreement (mutual information) that
 * flags {@code detect-fpr} of the clean validation images, stored in the graphs' metadata and the properties, where the
 * ensemble-voting service reads it. Validation figures: every vote's accuracy, the best and mean single member, the
 * robustness of the mean-probability ensemble under white-box attacks on its own gradient (what the gate compares), and
 * the detector's ROC AUC against those FGSM adversarials.
 */
public final class DigitEnsembleJob implements TrainingJob {

    public static final String NAME = "digit-ensemble";
    /** Metric prefix of the votes' validation accuracy: {@code max_accuracy}, {@code majority_accuracy}. */
    public static final String VOTE_ACCURACY = "_accuracy";
    /** Metric: the best single member's validation accuracy. */
    public static final String MEMBER_BEST = "member_best_accuracy";
    /** Metric: the members' mean validation accuracy. */
    public static final String MEMBER_MEAN = "member_mean_accuracy";
    /** Metric: the detector's threshold (nats of mutual information). */
    public static final String DETECTOR_THRESHOLD = "detector_threshold";
    /** Metric: the share of clean validation images the detector flags (about {@code detect-fpr}). */
    public static final String DETECTOR_CLEAN_FLAGGED = "detector_clean_flagged";
    /** Metric: the detector's ROC AUC, clean validation subset vs white-box FGSM eps 0.3 adversarials of the ensemble. */
    public static final String DETECTOR_FGSM_AUC = "detector_fgsm_0.3_auc";
    /** The name of the baseline member. */
    public static final String BASELINE = "baseline";

    private static final String MNIST = DigitClassifierJob.MNIST;

    private final PublishedModels published;
    private final Path cacheDir;

    /**
     * @param published resolves the {@code baseline} reference
     * @param cacheDir  where trained members are kept between jobs (null: nowhere; every job trains its members)
     */
    public DigitEnsembleJob(PublishedModels published, Path cacheDir) {
        this.published = published;
        this.cacheDir = cacheDir;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Ensemble of N digits ConvNets (uniform or bootstrapped, optionally with a baseline member) fused into one "
                + "ONNX graph (members + mean), with the mean ensemble's gradient.onnx and a calibrated disagreement detector";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", MNIST + " - " + MNIST + " or " + DigitClassifierJob.FASHION + " (the digit-classifier job's split)");
        p.put("model", DigitEnsembleSpec.MODEL_NAME + " - registry name to publish under");
        p.put("members", "5 - N, the trained members (the first n of N members are the ensemble of n)");
        p.put("mode", "bootstrap - bootstrap (each member on its own sample) or uniform (all on the whole training split)");
        p.put("sample", "1.0 - bootstrap: each member's sample size as a fraction of the training split");
        p.put("replacement", "true - bootstrap: draw the sample with replacement (false: a random subset)");
        p.put("baseline", "none - a published classifier to add as the last member, 'baseline' (NAME, NAME:VERSION or "
                + "NAME:alias; it needs gradient.onnx)");
        p.put("arch", "cleverhans - every member's network: cleverhans (the seed's CNN) or vgg");
        p.put("epochs", "6 - passes over each member's training rows");
        p.put("batch", "128 - minibatch size");
        p.put("lr", "0.001 - Adam learning rate");
        p.put("lr-decay", "0.8 - the learning rate is multiplied by this after every epoch");
        p.put("l2", "0 - L2 weight decay");
        p.put("dropout", "0.25 - vgg: dropout after each conv block");
        p.put("augment", "false - random shifts, rotations and scaling of training images");
        p.put("validation", "0.2 for mnist, 0.1 for fashion-mnist - fraction held out (stratified); no member trains on it");
        p.put("split-seed", "42 - seed of the train/validation split (the digit-classifier job's, so its models share it)");
        p.put("rows", "all - use only the first N images of the training pool (tests)");
        p.put("robust-n", "200 - validation images the robustness and detector figures are computed on");
        p.put("robust-steps", "20 - PGD iterations of the robustness figures");
        p.put("detect-fpr", "0.05 - the detector's threshold flags this share of clean validation images");
        p.put("cache", "true - reuse members trained before with the same settings (and keep new ones)");
        DigitParams.declare(p);
        return p;
    }

    @Override
    public Gate gate(JobParams params) throws JobFailedException {
        return DigitParams.gate(params);
    }

    /** The job's parameters, read and checked. */
    record Settings(String data, String model, int members, String mode, double sample, boolean replacement, String baseline,
                    String arch, int epochs, int batch, double lr, double lrDecay, double l2, double dropout, boolean augment,
                    String validation, long splitSeed, String rows, int robustN, int robustSteps, double detectFpr,
                    boolean cache, Robustness.Attack gateAttack) {

        static Settings read(JobParams p) throws JobFailedException {
            String data = p.oneOf("data", MNIST, MNIST, DigitClassifierJob.FASHION);
            int members = p.integer("members", 5);
            String mode = p.oneOf("mode", "bootstrap", "bootstrap", "uniform");
            double sample = mode.equals("bootstrap") ? p.number("sample", 1.0) : 1.0;
            boolean replacement = !mode.equals("bootstrap") || p.bool("replacement", true);
            String baseline = p.string("baseline", "none").trim();
            String arch = p.oneOf("arch", "cleverhans", DigitNetworks.ARCHITECTURES.toArray(String[]::new));
            int epochs = p.integer("epochs", 6);
            int batch = p.integer("batch", 128);
            double lr = p.number("lr", 0.001);
            double lrDecay = p.number("lr-decay", 0.8);
            double l2 = p.number("l2", 0);
            double dropout = p.number("dropout", 0.25);
            boolean augment = p.bool("augment", false);
            String validation = p.string("validation", data.equals(MNIST) ? "0.2" : "0.1");
            long splitSeed = p.integer("split-seed", 42);
            String rows = p.string("rows", "all");
            int robustN = p.integer("robust-n", 200);
            int robustSteps = p.integer("robust-steps", 20);
            double fpr = p.number("detect-fpr", 0.05);
            boolean cache = p.bool("cache", true);
            if (members < 1 || members > 200) {
                throw new JobFailedException("members must be in 1..200, got " + members);
            }
            if (!(sample > 0 && sample <= (replacement ? 4 : 1))) {
                throw new JobFailedException("sample must be in (0, 1] without replacement, (0, 4] with, got " + sample);
            }
            if (epochs < 1 || batch < 2 || !(lr > 0) || !(lrDecay > 0 && lrDecay <= 1) || l2 < 0 || !(dropout >= 0 && dropout < 0.5)) {
                throw new JobFailedException("epochs must be >= 1, batch >= 2, lr > 0, lr-decay in (0, 1], l2 >= 0, dropout in [0, 0.5)");
            }
            if (robustN < 1 || robustSteps < 1 || robustSteps > 1000) {
                throw new JobFailedException("robust-n must be >= 1 and robust-steps in 1..1000");
            }
            if (!(fpr > 0 && fpr < 0.5)) {
                throw new JobFailedException("detect-fpr must be in (0, 0.5), got " + fpr);
            }
            return new Settings(data, p.string("model", DigitEnsembleSpec.MODEL_NAME), members, mode, sample, replacement,
                    baseline.equals("none") || baseline.isEmpty() ? null : baseline, arch, epochs, batch, lr, lrDecay, l2,
                    dropout, augment, validation, splitSeed, rows, robustN, robustSteps, fpr, cache, DigitParams.gateAttack(p));
        }

        /** The digit-classifier job's data parameters: the same split and robustness subset as its models. */
        Map<String, String> dataParams() {
            return Map.of("data", data, "validation", validation, "split-seed", Long.toString(splitSeed), "rows", rows,
                    "robust-n", Integer.toString(robustN));
        }

        DigitTraining.Schedule schedule() {
            return new DigitTraining.Schedule(epochs, batch, augment, null);
        }

        String describeMode() {
            return mode.equals("uniform") ? "uniform (every member on the whole training split)"
                    : String.format("bootstrap (each member on %s%% of the training split drawn %s replacement)",
                    trim(sample * 100), replacement ? "with" : "without");
        }
    }

    /** A member ready to fuse: where its files are and what it is. */
    record Member(String name, Path dir, Map<String, Object> card, boolean cached) {
        byte[] model() throws IOException {
            return Files.readAllBytes(dir.resolve(EnsembleMembers.MODEL));
        }

        byte[] gradient() throws IOException {
            return Files.readAllBytes(dir.resolve(EnsembleMembers.GRADIENT));
        }

        boolean trained() {
            return !name.equals(BASELINE);
        }
    }

    @Override
    public TrainedModel run(JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        p.requireKnown(parameters().keySet(), name());
        Settings s = Settings.read(p);
        DigitClassifierJob.Data d = DigitClassifierJob.data(s.dataParams(), ctx.dataDir());
        DigitSet train = d.train();
        ctx.progress(0, s.epochs(), 0, Double.NaN, 0, -1, Map.of(), String.format("%d %s members (%s), %s, on %d training images "
                + "(%d validation)%s", s.members(), s.arch(), s.describeMode(), s.epochs() + " epochs each", train.size(),
                d.validation().size(), s.baseline() == null ? "" : "; baseline member " + s.baseline()));
        // the baseline is resolved first: a wrong reference fails the job before hours of training
        PublishedModels.Resolved baseline = s.baseline() == null ? null : resolveBaseline(s.baseline(), d);
        Path members = s.cache() && cacheDir != null ? cacheDir.resolve("members") : ctx.workDir().resolve("members");
        long started = System.nanoTime();
        List<Member> all = new ArrayList<>();
        int trainedNow = 0;
        for (int k = 0; k < s.members(); k++) {
            Member m = member(k, s, d, members, ctx);
            trainedNow += m.cached() ? 0 : 1;
            all.add(m);
        }
        if (baseline != null) {
            all.add(new Member(BASELINE, baseline.dir(), Map.of("name", BASELINE, "ref", baseline.ref(), "sha256",
                    baseline.sha256()), true));
        }
        double trainSeconds = (System.nanoTime() - started) / 1e9;

        Map<String, String> meta = new LinkedHashMap<>(DigitClassifierSpec.properties(train.height(), train.width(),
                train.classes(), s.data()));
        meta.put(DigitEnsembleSpec.META_MODE, s.mode());
        // the detector's threshold, calibrated on the members' own graphs, goes into both fused graphs' metadata
        // (where the service reads it): the ensemble is fused once
        double threshold = calibrate(all, d.validation(), s.detectFpr());
        meta.put(DigitEnsembleSpec.META_THRESHOLD, Double.toString(threshold));
        meta.put(DigitEnsembleSpec.META_FPR, Double.toString(s.detectFpr()));
        meta.put(DigitEnsembleSpec.META_SCORE, DigitEnsembleSpec.SCORE);
        byte[][] fused = fuse(all, meta);
        Map<String, Double> parities;
        Map<String, Double> metrics;
        InferenceOptions ort = InferenceOptions.cpu(Math.max(1, Runtime.getRuntime().availableProcessors()));
        try (OnnxSession model = OnnxSession.open(fused[0], ort); OnnxSession gradient = OnnxSession.open(fused[1], ort)) {
            DigitEnsembleSpec.check(model, null);
            DigitClassifierSpec.checkGradient(gradient, train.pixels(), train.classes().size());
            parities = parity(all, model, gradient, d.validation());
            double worst = parities.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            if (!(worst <= Parity.TOLERANCE)) {
                throw new JobFailedException(String.format("the fused ensemble is not exact: %s (tolerance %.0e); nothing "
                        + "published", parities, Parity.TOLERANCE));
            }
            ctx.progress(s.epochs(), s.epochs(), 0, Double.NaN, 0, -1, Map.of(), "fused " + all.size() + " members; parity "
                    + parities + "; evaluating");
            metrics = evaluate(OnnxEnsemble.of(model, gradient), s, d, threshold);
        } catch (OrtException | ModelRejectedException | IOException e) {
            throw new JobFailedException("the fused ensemble breaks its serving contract: " + e.getMessage(), e);
        }

        metrics.put("members", (double) all.size());
        metrics.put("members_trained_now", (double) trainedNow);
        metrics.put("train_images", (double) train.size());
        metrics.put("validation_images", (double) d.validation().size());
        metrics.put("epochs", (double) s.epochs());
        metrics.put("train_seconds", trainSeconds);
        Map<String, String> properties = new LinkedHashMap<>(meta);
        properties.put(DigitEnsembleSpec.META_MEMBERS, Integer.toString(all.size()));
        properties.put(DigitEnsembleSpec.META_MEMBER_NAMES, String.join(",", all.stream().map(Member::name).toList()));
        properties.put(ModelProperties.ARCHITECTURE, s.members() + " x " + s.arch() + (s.augment() ? " augment" : "") + ", "
                + s.mode() + (baseline == null ? "" : " + baseline " + baseline.ref()));
        Map<String, String> hyper = p.used();
        hyper.put("seed", Long.toString(ctx.seed()));
        List<Map<String, Object>> lineage = all.stream().map(Member::card).toList();
        List<String> notes = new ArrayList<>();
        notes.add(String.format("%d members: %s; the first n members of this ensemble are the ensemble of n this job would "
                        + "train with members=n (member k: seed and sample are functions of the job seed %d and k); %d trained "
                        + "by this job, %d taken from the member cache", s.members(), s.describeMode(), ctx.seed(),
                trainedNow, s.members() - trainedNow));
        notes.add("members (name, seed, training rows, distinct rows, sample sha256, validation accuracy): " + describe(lineage));
        if (baseline != null) {
            notes.add("baseline member '" + BASELINE + "' (the last one): " + baseline.ref() + ", model.onnx sha256 "
                    + baseline.sha256() + "; its parity is against its own model.onnx and gradient.onnx");
        }
        notes.add("fused export parity (max |DL4J - ONNX Runtime| on up to 256 validation images; each member's slice of "
                + "'members' against its DL4J network, the gradient against the members' DL4J input gradients combined): "
                + parities);
        notes.add(String.format("votes: accuracy = mean probabilities (the 'probabilities' output); max_accuracy = the most "
                + "confident member decides; majority_accuracy = most members' class. Detector: a digit is flagged when the "
                + "members' mutual information H(mean) - mean H(member) exceeds %.6g nats, the threshold that flags %.3g of the "
                + "%d clean validation images; %s = its ROC AUC between %d clean validation images and their white-box FGSM "
                + "eps 0.3 adversarials made on the ensemble's own gradient", threshold, s.detectFpr(),
                d.validation().size(), DETECTOR_FGSM_AUC, d.robust().size()));
        notes.add(String.format("robustness figures (<attack>_<eps>_accuracy) of the mean-probability ensemble on %d validation "
                + "images, white-box through gradient.onnx (PGD: %d steps of 2.5 eps / %d, random start from the split seed)",
                d.robust().size(), s.robustSteps(), s.robustSteps()));
        double parity = parities.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return new TrainedModel(s.model(), null, fused[0], fused[1], parity, metrics, properties, hyper,
                d.ref() + "; " + s.describeMode() + (baseline == null ? "" : "; baseline " + baseline.ref()), d.hash(),
                Map.of("members.json", Json.toPrettyString(lineage).getBytes(java.nio.charset.StandardCharsets.UTF_8)), notes);
    }

    /** Member {@code k}: from the cache when it was trained before with these settings, else trained now (and cached). */
    private Member member(int k, Settings s, DigitClassifierJob.Data d, Path members, JobContext ctx) throws JobFailedException {
        ctx.checkCancelled();
        DigitSet pool = d.train();
        long seed = EnsembleMembers.seed(ctx.seed(), k);
        int[] rows = s.mode().equals("bootstrap") ? EnsembleMembers.sample(pool.size(), s.sample(), s.replacement(), seed) : null;
        Map<String, String> definition = new LinkedHashMap<>();
        definition.put("format", EnsembleMembers.FORMAT);
        definition.put("data", d.hash());
        definition.put("split", s.data() + " validation=" + s.validation() + " split-seed=" + s.splitSeed() + " rows=" + s.rows());
        definition.put("network", s.arch() + (s.arch().equals("vgg") ? " dropout=" + s.dropout() : ""));
        definition.put("schedule", "epochs=" + s.epochs() + " batch=" + s.batch() + " lr=" + s.lr() + " lr-decay=" + s.lrDecay()
                + " l2=" + s.l2() + " augment=" + s.augment());
        definition.put("seed", Long.toString(seed));
        definition.put("rows", rows == null ? "all" : EnsembleMembers.sampleHash(rows));
        String key = EnsembleMembers.key(definition);
        String name = "m" + k;
        Path dir = EnsembleMembers.cached(members, key);
        if (dir != null) {
            try {
                Map<String, Object> card = EnsembleMembers.card(dir);
                ctx.progress(0, s.epochs(), 0, Double.NaN, 0, -1, Map.of(), String.format("member %d/%d: cached (%s)", k + 1,
                        s.members(), key));
                return new Member(name, dir, withName(card, name), true);
            } catch (IOException e) {
                // an unreadable card: train it again below
            }
        }
        DigitSet set = rows == null ? pool : pool.select(rows, pool.name() + "[" + name + "]");
        ctx.progress(0, s.epochs(), 0, Double.NaN, 0, -1, Map.of(), String.format("member %d/%d: training on %d rows "
                + "(%s), seed %d", k + 1, s.members(), set.size(), rows == null ? "the whole split"
                : EnsembleMembers.distinct(rows) + " distinct", seed));
        long t0 = System.nanoTime();
        int h = pool.height();
        int w = pool.width();
        MultiLayerNetwork net = new MultiLayerNetwork(DigitNetworks.configuration(s.arch(), h, w, pool.classes().size(), s.lr(),
                s.lrDecay(), s.l2(), s.dropout(), seed));
        net.init();
        DigitTraining.train(net, s.schedule(), set, d.validation(), List.of(), seed, ctx);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, String> meta = DigitClassifierSpec.properties(h, w, pool.classes(), s.data());
        byte[] onnx;
        byte[] gradient;
        try {
            onnx = Dl4jOnnxExporter.export(net, DigitClassifierSpec.INPUT, new long[] {(long) h * w}, DigitClassifierSpec.OUTPUT,
                    meta);
            gradient = GradientExporter.export(net, new long[] {(long) h * w}, meta);
        } catch (RuntimeException e) {
            throw new JobFailedException("member " + name + " cannot be exported: " + e.getMessage(), e);
        }
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", name);
        card.put("index", k);
        card.put("seed", seed);
        card.put("trainingRows", set.size());
        card.put("distinctRows", rows == null ? set.size() : EnsembleMembers.distinct(rows));
        card.put("sample", rows == null ? "all" : String.format("%d of the %d training rows drawn %s replacement (sample=%s)",
                rows.length, pool.size(), s.replacement() ? "with" : "without", trim(s.sample())));
        card.put("sampleSha256", rows == null ? null : EnsembleMembers.sampleHash(rows));
        card.put("validationAccuracy", DigitTraining.accuracy(net, d.validation()));
        card.put("trainSeconds", Math.round(seconds * 10) / 10.0);
        card.put("definition", definition);
        try {
            Files.createDirectories(members);
            Path staging = Files.createTempDirectory(members, "staging-" + name + "-");
            Files.write(staging.resolve(EnsembleMembers.MODEL), onnx);
            Files.write(staging.resolve(EnsembleMembers.GRADIENT), gradient);
            ModelSerializer.writeModel(net, staging.resolve(EnsembleMembers.NETWORK).toFile(), false);
            Files.writeString(staging.resolve(EnsembleMembers.CARD), Json.toPrettyString(card));
            dir = EnsembleMembers.store(members, key, staging);
            if (Files.exists(staging)) {
                TempDir.deleteRecursively(staging);
            }
        } catch (IOException e) {
            throw new JobFailedException("cannot keep member " + name + " in " + members + ": " + e.getMessage(), e);
        }
        return new Member(name, dir, card, false);
    }

    private static Map<String, Object> withName(Map<String, Object> card, String name) {
        Map<String, Object> c = new LinkedHashMap<>(card);
        c.put("name", name);
        return c;
    }

    private PublishedModels.Resolved resolveBaseline(String ref, DigitClassifierJob.Data d) throws JobFailedException {
        PublishedModels.Resolved r;
        try {
            r = published.resolve(ref);
        } catch (Exception e) {
            throw new JobFailedException("baseline " + ref + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(r.dir().resolve(DigitClassifierSpec.GRADIENT_ARTIFACT))) {
            throw new JobFailedException("baseline " + r.ref() + " has no " + DigitClassifierSpec.GRADIENT_ARTIFACT
                    + ": the ensemble's gradient graph needs every member's");
        }
        try {
            Map<String, String> meta = OnnxGraph.metadataOf(Files.readAllBytes(r.dir().resolve("model.onnx")));
            String classes = meta.get(DigitClassifierSpec.META_CLASSES);
            String expected = String.join(",", d.train().classes());
            if (classes != null && !classes.equals(expected)) {
                throw new JobFailedException("baseline " + r.ref() + " tells apart " + classes + ", the data set " + expected);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new JobFailedException("baseline " + r.ref() + ": cannot read its model.onnx: " + e.getMessage(), e);
        }
        return r;
    }

    /**
     * The fused {@code model.onnx} and {@code gradient.onnx} of {@code members}, read from disk for each graph in turn
     * (N = 50 members are ~140 MB per kind).
     */
    private static byte[][] fuse(List<Member> members, Map<String, String> meta) throws JobFailedException {
        try {
            List<EnsembleFusion.Member> m = new ArrayList<>();
            for (Member x : members) {
                m.add(new EnsembleFusion.Member(x.name(), x.model(), null));
            }
            byte[] model = EnsembleFusion.model(m, meta);
            m.clear();
            for (Member x : members) {
                m.add(new EnsembleFusion.Member(x.name(), null, x.gradient()));
            }
            return new byte[][] {model, EnsembleFusion.gradient(m, meta)};
        } catch (IOException | IllegalArgumentException e) {
            throw new JobFailedException("the members cannot be fused into one graph: " + e.getMessage(), e);
        }
    }

    /**
     * max |reference - fused| on up to 256 held images: each trained member's slice of {@code members} against its DL4J
     * network, the baseline's against its own {@code model.onnx}; and on up to 64 of them the fused gradient against the
     * members' input gradients (DL4J's of each network's inference function, the baseline's own gradient graph) combined
     * as the mean-probability ensemble's ({@link EnsembleFusion}), the worst three images of 64 set aside as at a ReLU
     * or pooling tie ({@link Parity#exceptTies}).
     */
    static Map<String, Double> parity(List<Member> members, OnnxSession model, OnnxSession gradient, DigitSet held)
            throws OrtException, IOException {
        DigitSet probe = held.head(256);
        DigitSet gprobe = held.head(64);
        int classes = probe.classes().size();
        float[][][] fused = DigitEnsembleSpec.memberProbabilities(model, probe.images());
        INDArray x = Dl4jClassifier.matrix(probe.images());
        INDArray gx = Dl4jClassifier.matrix(gprobe.images());
        INDArray gy = Dl4jClassifier.oneHot(gprobe.labels(), classes);
        int n = gprobe.size();
        double[][] num = new double[n][gprobe.pixels()];
        double[] den = new double[n];
        double probabilities = 0;
        for (int k = 0; k < members.size(); k++) {
            Member m = members.get(k);
            float[][] reference;
            float[][] py;
            float[][] g;
            if (m.trained()) {
                MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(m.dir().resolve(EnsembleMembers.NETWORK).toFile(),
                        false);
                reference = rows(net.output(x, false));
                py = rows(net.output(gx, false));
                g = rows(new Dl4jClassifier(net, DigitNetworks.inputType(probe.height(), probe.width())).inputGradient(gx, gy)
                        .castTo(DataType.FLOAT));
            } else {
                try (OnnxSession own = OnnxSession.open(m.model(), InferenceOptions.cpu(1));
                     OnnxSession ownGradient = OnnxSession.open(m.gradient(), InferenceOptions.cpu(1))) {
                    reference = DigitClassifierSpec.probabilities(own, probe.images());
                    DigitClassifierSpec.Gradients og = DigitClassifierSpec.gradients(ownGradient, gprobe.images(),
                            gprobe.labels(), classes);
                    py = og.probabilities();
                    g = og.gradient();
                }
            }
            for (int i = 0; i < reference.length; i++) {
                for (int c = 0; c < classes; c++) {
                    probabilities = Math.max(probabilities, diff(fused[i][k][c], reference[i][c]));
                }
            }
            for (int i = 0; i < n; i++) {
                double w = py[i][gprobe.labels()[i]];
                den[i] += w;
                for (int j = 0; j < num[i].length; j++) {
                    num[i][j] += w * g[i][j];
                }
            }
        }
        Map<String, Tensor> out = gradient.run(Map.of(DigitClassifierSpec.INPUT, FloatTensor.matrix(gprobe.images()),
                DigitClassifierSpec.LABELS, Parity.tensor(gy)), DigitClassifierSpec.GRADIENT);
        float[][] fusedGradient = ((FloatTensor) out.get(DigitClassifierSpec.GRADIENT)).rows();
        double[] perImage = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < num[i].length; j++) {
                // the combined gradient in double from float32 parts: relative to the gradient's own scale
                perImage[i] = Math.max(perImage[i], diff(fusedGradient[i][j], den[i] > 0 ? num[i][j] / den[i] : 0));
            }
        }
        double grad = Parity.exceptTies(perImage);
        Map<String, Double> result = new LinkedHashMap<>();
        result.put("members", probabilities);
        result.put("gradient", grad);
        return result;
    }

    private static double diff(double a, double b) {
        double d = Math.abs(a - b);
        return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
    }

    private static float[][] rows(INDArray a) {
        return Parity.tensor(a).rows();
    }

    /**
     * The detector's threshold: the members' mutual information on the whole validation split (each member's own
     * {@code model.onnx}, one at a time) at the {@code 1 - fpr} quantile.
     */
    static double calibrate(List<Member> members, DigitSet validation, double fpr) throws JobFailedException {
        float[][][] p = new float[validation.size()][members.size()][];
        for (int k = 0; k < members.size(); k++) {
            try (OnnxSession own = OnnxSession.open(members.get(k).model(), InferenceOptions.cpu(Math.max(1,
                    Runtime.getRuntime().availableProcessors())))) {
                float[][] pk = DigitClassifierSpec.probabilities(own, validation.images());
                for (int i = 0; i < pk.length; i++) {
                    p[i][k] = pk[i];
                }
            } catch (OrtException | IOException e) {
                throw new JobFailedException("member " + members.get(k).name() + " does not load in ONNX Runtime: "
                        + e.getMessage(), e);
            }
        }
        return Detector.threshold(Disagreement.mutualInformation(p), fpr);
    }

    /**
     * Validation figures on the fused graph: every vote's accuracy, each member's, the detector's flag rate with the
     * calibrated {@code threshold} and its AUC, and the mean-probability ensemble's robustness.
     */
    static Map<String, Double> evaluate(OnnxEnsemble ensemble, Settings s, DigitClassifierJob.Data d, double threshold) {
        DigitSet val = d.validation();
        float[][][] members = ensemble.memberProbabilities(val.images());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(DigitParams.ACCURACY, accuracy(OnnxEnsemble.predictions(members, Vote.MEAN), val.labels()));
        m.put(Vote.MAX.wire() + VOTE_ACCURACY, accuracy(OnnxEnsemble.predictions(members, Vote.MAX), val.labels()));
        m.put(Vote.MAJORITY.wire() + VOTE_ACCURACY, accuracy(OnnxEnsemble.predictions(members, Vote.MAJORITY), val.labels()));
        double best = 0;
        double sum = 0;
        int trained = s.members();
        for (int k = 0; k < trained; k++) {
            double a = accuracy(OnnxEnsemble.predictions(OnnxEnsemble.range(members, k, k + 1), Vote.MEAN), val.labels());
            best = Math.max(best, a);
            sum += a;
        }
        m.put(MEMBER_BEST, best);
        m.put(MEMBER_MEAN, sum / trained);
        double loss = 0;
        for (int i = 0; i < val.size(); i++) {
            loss -= Math.log(Math.max(1e-30, Vote.mean(members[i])[val.labels()[i]]));
        }
        m.put(DigitClassifierJob.LOSS, loss / val.size());
        if (d.test() != null) {
            float[][][] test = ensemble.memberProbabilities(d.test().images());
            m.put(DigitClassifierJob.TEST_ACCURACY, accuracy(OnnxEnsemble.predictions(test, Vote.MEAN), d.test().labels()));
            m.put("test_" + Vote.MAX.wire() + VOTE_ACCURACY, accuracy(OnnxEnsemble.predictions(test, Vote.MAX), d.test().labels()));
        }
        double[] cleanScores = Disagreement.mutualInformation(members);
        m.put(DETECTOR_THRESHOLD, threshold);
        m.put(DETECTOR_CLEAN_FLAGGED, Detector.flagged(cleanScores, threshold));
        DigitSet subset = d.robust();
        List<Robustness.Attack> attacks = new ArrayList<>(Robustness.STANDARD);
        attacks.add(s.gateAttack());
        m.putAll(Robustness.figures(ensemble, subset.images(), subset.labels(), attacks, s.robustSteps(), s.splitSeed()));
        Outcome fgsm = Robustness.attack(ensemble, new Robustness.Attack("fgsm", 0.3), 1, subset.images(), subset.labels(),
                s.splitSeed());
        m.put(DETECTOR_FGSM_AUC, Detector.rocAuc(Disagreement.mutualInformation(ensemble.memberProbabilities(subset.images())),
                Disagreement.mutualInformation(ensemble.memberProbabilities(fgsm.adversarial()))));
        m.put("robust_images", (double) subset.size());
        return m;
    }

    static double accuracy(int[] predictions, int[] labels) {
        int ok = 0;
        for (int i = 0; i < labels.length; i++) {
            ok += predictions[i] == labels[i] ? 1 : 0;
        }
        return ok / (double) labels.length;
    }

    private static String describe(List<Map<String, Object>> lineage) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> c : lineage) {
            if (!b.isEmpty()) {
                b.append("; ");
            }
            if (BASELINE.equals(c.get("name"))) {
                b.append(BASELINE).append(' ').append(c.get("ref"));
                continue;
            }
            Object sha = c.get("sampleSha256");
            b.append(c.get("name")).append(" seed=").append(c.get("seed")).append(" rows=").append(c.get("trainingRows"))
                    .append(" distinct=").append(c.get("distinctRows"))
                    .append(sha == null ? "" : " sample=" + String.valueOf(sha).substring(0, 12))
                    .append(String.format(" val=%.4f", ((Number) c.get("validationAccuracy")).doubleValue()));
        }
        return b.toString();
    }

    private static String trim(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
