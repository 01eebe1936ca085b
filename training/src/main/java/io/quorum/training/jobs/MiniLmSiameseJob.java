package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.text.EmbedderPublishing;
import io.quorum.text.Embedders;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.PairAlignment;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.shared.model.ModelProperties;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.EmbedderResolver;
import io.quorum.training.data.TextPairSource;
import io.quorum.training.export.Dl4jOnnxExporter;
import io.quorum.training.export.Parity;
import io.quorum.training.finetune.CosineHeadOnnx;
import io.quorum.training.finetune.MiniLmFineTuner;
import io.quorum.training.steps.LogisticRegression;
import io.quorum.training.steps.PairParams;
import io.quorum.training.steps.PairSplits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Job {@code minilm-siamese}: fine-tunes the top layers of MiniLM as a Siamese network on labelled pairs (both sides
 * through the same weights, cosine head {@code sigmoid(scale * (cos - offset))}, binary cross-entropy), in SameDiff
 * ({@link MiniLmFineTuner}). It publishes two models: the tuned encoder (default name {@code minilm-ft}, a MiniLM the
 * embedding service loads like the bundled one) and the head as a pair scorer (default {@code pair-scorer-ft}) whose
 * metadata names that encoder and its SHA-256. Every metric is measured on the exported ONNX files through ONNX
 * Runtime, the path that serves them.
 */
public final class MiniLmSiameseJob implements TrainingJob {

    public static final String NAME = "minilm-siamese";
    public static final String DEFAULT_ENCODER = "minilm-ft";
    public static final String DEFAULT_MODEL = "pair-scorer-ft";
    /** Registry name of the head with {@code head=align}. */
    public static final String DEFAULT_ALIGN_MODEL = "pair-aligner-ft";
    /** Share of the non-validation rows held out of fine-tuning to fit the {@code align} head on. */
    static final double ALIGN_DEV = 0.2;
    /**
     * The {@code align} head's regression: 300 passes over its rows (a few hundred rows: converges in this many),
     * minibatches of 128, Adam at 0.01, L2 1e-3.
     */
    static final LogisticRegression.Settings ALIGN_HEAD = new LogisticRegression.Settings(300, 128, 0.01, 1e-3);
    /** Sentences compared between SameDiff and the exported encoder. */
    private static final int PARITY_TEXTS = 48;

    private final TextPairSource source;
    private final EmbedderResolver embedders;

    public MiniLmSiameseJob(TextPairSource source, EmbedderResolver embedders) {
        this.source = source;
        this.embedders = embedders;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Fine-tunes MiniLM's top layers as a Siamese pair model (SameDiff); publishes the encoder and its cosine head";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", "- a QQP/MRPC file, or 'labeled' (the pairs received on quorum.pairs.labeled)");
        p.put("base", "minilm - the fp32 MiniLM to start from (registry name)");
        p.put("encoder", DEFAULT_ENCODER + " - registry name for the tuned encoder");
        p.put("head", "cosine - cosine: sigmoid(scale * (cos - offset)), trained with the encoder; align: logistic"
                + " regression on the tuned cosine plus the base model's token-alignment and lexical features"
                + " (feature set " + PairAlignment.FEATURE_SET + "), fitted on the dev rows, which fine-tuning never sees");
        p.put("model", DEFAULT_MODEL + " - registry name for the cosine head (a pair scorer; published with either head)");
        p.put("aligner", DEFAULT_ALIGN_MODEL + " - registry name for the alignment head (head=align)");
        p.put("layers", "2 - top transformer layers to train (the rest stay frozen)");
        p.put("epochs", "3 - passes over the training split");
        p.put("batch", "16 - pairs per step");
        p.put("lr", "0.00004 - Adam learning rate of the transformer weights (the head's is 30x)");
        p.put("max-tokens", "128 - word pieces kept per text while training");
        PairParams.declare(p, "threshold calibration (with the training rows); with head=align"
                + " the rows the head is fitted and calibrated on, default " + ALIGN_DEV);
        return p;
    }

    @Override
    public Gate gate(JobParams params) throws JobFailedException {
        return PairParams.gate(params);
    }

    @Override
    public TrainedModel run(JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        p.requireKnown(parameters().keySet(), name());
        boolean align = p.oneOf("head", "cosine", "cosine", "align").equals("align");
        Map<String, String> ref = new LinkedHashMap<>();
        List<LabeledPair> pairs = source.readTraining(ctx, name(), ref);
        String base = p.string("base", "minilm");
        String encoderName = p.string("encoder", DEFAULT_ENCODER);
        String modelName = p.string("model", DEFAULT_MODEL);
        String alignerName = align ? p.string("aligner", DEFAULT_ALIGN_MODEL) : null;
        MiniLmFineTuner.Settings settings;
        try {
            settings = new MiniLmFineTuner.Settings(p.integer("layers", 2), p.integer("epochs", 3), p.number("lr", 4e-5),
                    p.integer("batch", 16), p.integer("max-tokens", 128), ctx.seed());
        } catch (IllegalArgumentException e) {
            throw new JobFailedException(e.getMessage());
        }
        PairSplits split = PairSplits.of(pairs.size(), p, ctx.seed(), align ? ALIGN_DEV : PairSplits.DEFAULT_DEV);
        List<LabeledPair> train = Arrays.stream(split.train()).mapToObj(pairs::get).toList();
        int[] calibration = split.trainAndDev();

        Path work;
        byte[] baseOnnx;
        byte[] tokenizer;
        String baseRef;
        try (EmbedderResolver.Resolved r = embedders.resolve(base, null, List.of())) {
            if (!(r.embedder() instanceof MiniLmEmbedder) || r.files() == null) {
                throw new JobFailedException("base " + base + " is not a MiniLM model with files (use minilm)");
            }
            baseOnnx = Files.readAllBytes(r.files().resolve("model.onnx"));
            tokenizer = Files.readAllBytes(r.files().resolve(MiniLmEmbedder.TOKENIZER_FILE));
            baseRef = r.ref();
            work = Files.createDirectories(ctx.workDir().resolve("minilm-siamese-" + ctx.jobId().replaceAll("[^A-Za-z0-9._-]", "_")));
        } catch (JobFailedException e) {
            throw e;
        } catch (Exception e) {
            throw new JobFailedException("cannot load base encoder " + base + ": " + e.getMessage(), e);
        }
        try {
            Path encoderDir = Files.createDirectories(work.resolve("encoder"));
            Path tokenizerFile = Files.write(encoderDir.resolve(MiniLmEmbedder.TOKENIZER_FILE), tokenizer);
            byte[] encoderOnnx;
            MiniLmFineTuner.Head head;
            double encoderParity;
            List<String> parityTexts = parityTexts(pairs, split.validation());
            float[][] tuned;
            try (MiniLmFineTuner tuner = new MiniLmFineTuner(baseOnnx, tokenizerFile, settings)) {
                long t0 = System.nanoTime();
                tuner.train(train, (done, total, loss) -> {
                    if (done % 20 == 0 || done == total) {
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        double perSecond = done * settings.batch() / Math.max(seconds, 1e-9);
                        int perEpoch = (int) (total / settings.epochs());
                        ctx.progress((int) Math.min(settings.epochs(), done / Math.max(1, perEpoch)), settings.epochs(), done,
                                loss, perSecond, (total - done) * settings.batch() / Math.max(perSecond, 1e-9), null, null);
                    }
                }, ctx::checkCancelled);
                head = tuner.head();
                tuned = tuner.embed(parityTexts);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put(Embedders.META_KIND, MiniLmEmbedder.KIND);
                meta.put(ModelProperties.META_FINETUNED_FROM, baseRef);
                meta.put(ModelProperties.META_FINETUNED_LAYERS, settings.layers() + " of " + tuner.depth());
                if (align) {
                    meta.put(ModelProperties.META_TOKEN_VECTORS, "base model's layers (" + MiniLmEmbedder.TOKEN_OUTPUT + ")");
                }
                encoderOnnx = tuner.exportEncoder(meta, align);
            }
            Files.write(encoderDir.resolve("model.onnx"), encoderOnnx);
            ctx.checkCancelled();

            // everything below runs the exported files on ONNX Runtime, as the services do
            float[][] served;
            String encoderSha = Hashing.sha256(encoderOnnx);
            Map<String, String> headMeta = new LinkedHashMap<>();
            headMeta.put(PairScorerSpec.META_EMBEDDER, encoderName);
            headMeta.put(PairScorerSpec.META_EMBEDDER_SHA256, encoderSha);
            Map<String, String> alignMeta = new LinkedHashMap<>(headMeta);
            headMeta.put(ModelProperties.META_HEAD, "sigmoid(scale * (cos - offset))");
            Map<String, Double> metrics;
            Map<String, Double> alignMetrics = null;
            byte[] headOnnx;
            byte[] alignOnnx = null;
            LogisticRegression alignHead = null;
            double alignParity = 0;
            int[] y = pairs.stream().mapToInt(LabeledPair::label).toArray();
            try (MiniLmEmbedder encoder = MiniLmEmbedder.load(encoderName, encoderDir, InferenceOptions.cpu(0))) {
                served = encoder.embed(parityTexts);
                encoderParity = MiniLmFineTuner.maxAbsDiff(tuned, served);
                double[] probabilities = new double[pairs.size()];
                int[] calibrate;
                if (align) {
                    // both heads learn their thresholds (and the regression its weights) on rows fine-tuning never saw:
                    // on the training rows the tuned cosine is overconfident
                    calibrate = split.dev();
                    int[] rows = IntStream.concat(Arrays.stream(split.dev()), Arrays.stream(split.validation())).toArray();
                    float[][] x = features(encoder, pairs, rows, ctx);
                    for (int i : rows) {
                        probabilities[i] = head.probability(x[i][0]); // feature 0: the tuned encoder's sentence cosine
                    }
                    alignHead = LogisticRegression.fit(x, y, split.dev(), ALIGN_HEAD, ctx);
                    // a logistic regression fitted to convergence is calibrated on its rows, so 0.5 is its accuracy-optimal
                    // threshold; a threshold searched on those same few hundred rows chases their noise instead
                    double t = 0.5;
                    alignMetrics = new LinkedHashMap<>(BinaryMetrics.compute(alignHead.predict(x, split.validation()),
                            select(y, split.validation()), t));
                    alignMetrics.put("head_pairs", (double) split.dev().length);
                    alignMetrics.put("train_pairs", (double) train.size());
                    alignMeta.put(PairScorerSpec.META_THRESHOLD, Double.toString(t));
                    alignMeta.put(PairAlignerSpec.META_FEATURES, PairAlignment.FEATURE_SET);
                    alignOnnx = Dl4jOnnxExporter.export(alignHead.network(), PairAlignerSpec.INPUT,
                            new long[] {x[split.dev()[0]].length}, PairAlignerSpec.OUTPUT, alignMeta);
                    alignParity = Parity.check(alignHead.network(), alignOnnx, PairAlignerSpec.INPUT, PairAlignerSpec.OUTPUT,
                            LogisticRegression.matrix(x, Arrays.copyOf(split.validation(), Math.min(512, split.validation().length))))
                            .maxAbsDiff();
                } else {
                    calibrate = calibration;
                    byte[] provisional = CosineHeadOnnx.build(MiniLmEmbedder.DIM, head, headMeta);
                    try (OnnxSession headSession = OnnxSession.open(provisional, InferenceOptions.cpu(1))) {
                        probabilities = score(encoder, headSession, pairs);
                    }
                }
                double threshold = BinaryMetrics.bestThreshold(select(probabilities, calibrate), select(y, calibrate));
                metrics = new LinkedHashMap<>(BinaryMetrics.compute(select(probabilities, split.validation()),
                        select(y, split.validation()), threshold));
                metrics.put("train_pairs", (double) train.size());
                headMeta.put(PairScorerSpec.META_THRESHOLD, Double.toString(threshold));
                headOnnx = CosineHeadOnnx.build(MiniLmEmbedder.DIM, head, headMeta);
            }
            double headParity = headParity(headOnnx, head, served);

            Map<String, String> hyper = p.used();
            hyper.put("seed", Long.toString(ctx.seed()));
            String dataHash = TextPairSource.hash(pairs);
            String dataRef = ref.get("file") + (ref.get("rows").equals("all") ? "" : " (first " + ref.get("rows") + " rows)")
                    + ", " + pairs.size() + " pairs; " + settings.layers() + " top layers of " + baseRef + " fine-tuned";
            Map<String, Double> gated = align ? alignMetrics : metrics;
            Map<String, String> encoderProps = new LinkedHashMap<>();
            encoderProps.put(Embedders.META_KIND, MiniLmEmbedder.KIND);
            encoderProps.put(ModelProperties.PRECISION, "fp32");
            encoderProps.put(ModelProperties.DIMENSION, Integer.toString(MiniLmEmbedder.DIM));
            encoderProps.put(ModelProperties.POOLING, "masked mean, L2-normalised");
            encoderProps.put(ModelProperties.MAX_TOKENS, Integer.toString(MiniLmEmbedder.MAX_TOKENS));
            encoderProps.put(ModelProperties.SOURCE, "fine-tuned from " + baseRef + " (" + EmbedderPublishing.MINILM_SOURCE + ")");
            encoderProps.put(ModelProperties.PAIR_MODEL, align ? alignerName + ", " + modelName : modelName);
            if (align) {
                encoderProps.put(ModelProperties.TOKEN_VECTORS, "the base model's layers (" + MiniLmEmbedder.TOKEN_OUTPUT + ")");
            }
            TrainedModel encoderModel = new TrainedModel(encoderName, null, encoderOnnx, null, encoderParity, gated,
                    encoderProps, hyper, dataRef, dataHash, Map.of(MiniLmEmbedder.TOKENIZER_FILE, tokenizer),
                    List.of("SameDiff vs ONNX Runtime sentence vectors on " + parityTexts.size() + " held-out texts: max |diff| "
                            + encoderParity));
            Map<String, String> headProps = new LinkedHashMap<>(headMeta);
            headProps.put(ModelProperties.SCALE, Double.toString(head.scale()));
            headProps.put(ModelProperties.OFFSET, Double.toString(head.offset()));
            TrainedModel cosineModel = new TrainedModel(modelName, null, headOnnx, null, Math.max(encoderParity, headParity),
                    metrics, headProps, hyper, dataRef, dataHash, Map.of(), List.of("the head scores vectors of " + encoderName
                    + " (sha256 " + encoderSha + "), published with it"), align ? List.of() : List.of(encoderModel));
            if (!align) {
                return cosineModel;
            }
            Map<String, String> alignProps = new LinkedHashMap<>(alignMeta);
            alignProps.put(ModelProperties.FEATURES, String.join(",", PairAlignment.NAMES));
            return new TrainedModel(alignerName, alignHead.network(), alignOnnx, null, Math.max(encoderParity, alignParity), alignMetrics,
                    alignProps, hyper, dataRef, dataHash, Map.of(), List.of("the head scores " + PairAlignment.FEATURE_SET
                    + " features of " + encoderName + " (sha256 " + encoderSha + "; tuned sentence cosine, base token vectors),"
                    + " fitted on " + split.dev().length + " pairs held out of fine-tuning; the cosine head " + modelName
                    + " serves duplicate search and pairs without features"), List.of(encoderModel, cosineModel));
        } catch (OrtException | IOException e) {
            throw new JobFailedException("fine-tuning failed: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new JobFailedException("base " + base + " cannot be fine-tuned: " + e.getMessage(), e);
        } finally {
            TempDir.deleteRecursively(work);
        }
    }

    /** {@link PairAlignment} features of {@code rows} (other rows stay null), embedded in chunks. */
    private static float[][] features(MiniLmEmbedder encoder, List<LabeledPair> pairs, int[] rows, JobContext ctx) {
        float[][] x = new float[pairs.size()][];
        int chunk = 256;
        for (int from = 0; from < rows.length; from += chunk) {
            ctx.checkCancelled();
            int[] part = Arrays.copyOfRange(rows, from, Math.min(rows.length, from + chunk));
            float[][] f = PairAlignment.features(encoder, Arrays.stream(part).mapToObj(i -> pairs.get(i).left()).toList(),
                    Arrays.stream(part).mapToObj(i -> pairs.get(i).right()).toList());
            for (int k = 0; k < part.length; k++) {
                x[part[k]] = f[k];
            }
            ctx.progress(0, 0, 0, Double.NaN, 0, -1, null, "aligned " + (from + part.length) + " of " + rows.length + " pairs");
        }
        return x;
    }

    /** Probabilities for every pair: encoder and head on ONNX Runtime. */
    private static double[] score(MiniLmEmbedder encoder, OnnxSession head, List<LabeledPair> pairs) throws OrtException {
        double[] out = new double[pairs.size()];
        int chunk = 256;
        for (int from = 0; from < pairs.size(); from += chunk) {
            List<LabeledPair> c = pairs.subList(from, Math.min(pairs.size(), from + chunk));
            float[][] l = encoder.embed(c.stream().map(LabeledPair::left).toList());
            float[][] r = encoder.embed(c.stream().map(LabeledPair::right).toList());
            float[] p = PairScorerSpec.score(head, l, r);
            for (int i = 0; i < p.length; i++) {
                out[from + i] = p[i];
            }
        }
        return out;
    }

    /** The head in ONNX Runtime vs its closed form, on consecutive served vectors taken as pairs. */
    private static double headParity(byte[] onnx, MiniLmFineTuner.Head head, float[][] vectors) throws OrtException {
        int n = vectors.length / 2;
        float[][] l = Arrays.copyOfRange(vectors, 0, n);
        float[][] r = Arrays.copyOfRange(vectors, n, 2 * n);
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            float[] p = PairScorerSpec.score(s, l, r);
            double max = 0;
            for (int i = 0; i < n; i++) {
                double dot = 0;
                double nl = 0;
                double nr = 0;
                for (int j = 0; j < l[i].length; j++) {
                    dot += l[i][j] * r[i][j];
                    nl += l[i][j] * l[i][j];
                    nr += r[i][j] * r[i][j];
                }
                max = Math.max(max, Math.abs(p[i] - head.probability(dot / Math.sqrt(nl * nr))));
            }
            return max;
        }
    }

    /** Distinct held-out texts for the parity check (an even count, so that they also form pairs). */
    private static List<String> parityTexts(List<LabeledPair> pairs, int[] rows) {
        LinkedHashSet<String> texts = new LinkedHashSet<>();
        for (int i = 0; i < rows.length && texts.size() < PARITY_TEXTS; i++) {
            texts.add(pairs.get(rows[i]).left());
            texts.add(pairs.get(rows[i]).right());
        }
        List<String> out = new ArrayList<>(texts);
        return out.size() % 2 == 0 ? out : out.subList(0, out.size() - 1);
    }

    private static double[] select(double[] x, int[] rows) {
        return Arrays.stream(rows).mapToDouble(i -> x[i]).toArray();
    }

    private static int[] select(int[] x, int[] rows) {
        return Arrays.stream(rows).map(i -> x[i]).toArray();
    }
}
