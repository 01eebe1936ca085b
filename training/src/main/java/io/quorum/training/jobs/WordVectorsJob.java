package io.quorum.training.jobs;

import ai.onnxruntime.OrtException;
import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.text.Embedders;
import io.quorum.text.TfidfW2vEmbedder;
import io.quorum.text.TfidfW2vModel;
import io.quorum.text.Vocabulary;
import io.quorum.text.WordTokenizer;
import io.quorum.text.WordVectors;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.shared.model.ModelProperties;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.LocalEmbedders;
import io.quorum.training.data.TextPairSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Builds the seed's {@code tfidf-w2v} embedder: the vocabulary and IDF of a corpus, with word vectors from the GloVe
 * subset ({@code vectors=glove}), Word2Vec trained on the corpus with DL4J ({@code vectors=self}) or a vectors file,
 * exported as one ONNX model (the vector table) plus {@code vocab.tsv}. Its parity check compares ONNX Runtime with a
 * direct Java computation of the weighted mean.
 */
public final class WordVectorsJob implements TrainingJob {

    /** Gate parameter: the lowest share of corpus tokens with a vector that may become champion. */
    public static final String MIN_COVERAGE = "min-coverage";
    public static final double DEFAULT_MIN_COVERAGE = 0.5;
    /** Metric: the share of corpus tokens with a vector. */
    public static final String COVERAGE = "coverage";

    private final TextPairSource texts;
    private final LocalEmbedders local;

    public WordVectorsJob(TextPairSource texts, LocalEmbedders local) {
        this.texts = texts;
        this.local = local;
    }

    @Override
    public String name() {
        return "word-vectors";
    }

    @Override
    public String description() {
        return "TF-IDF-weighted word-vector sentence embedder (GloVe, self-trained Word2Vec or word vectors distilled from MiniLM) for the embedding service";
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data", "- the corpus: a QQP/MRPC file or 'labeled'");
        p.put("format", "auto - file layout");
        p.put("rows", "all - first N rows only");
        p.put("vectors", "glove - glove (pretrained subset), self (Word2Vec on the corpus), minilm-context (MiniLM's contextual vectors averaged per corpus word) or a vectors file; '+center' after any of them removes the table's mean vector (minilm-context+center)");
        p.put("weighting", "tfidf - tfidf or mean");
        p.put("model", "tfidf-w2v - registry name");
        p.put(MIN_COVERAGE, DEFAULT_MIN_COVERAGE + " - gate: lowest share of corpus tokens with a vector");
        return p;
    }

    @Override
    public Gate gate(JobParams params) throws JobFailedException {
        return new Gate(List.of(new Gate.Threshold(COVERAGE, true, params.number(MIN_COVERAGE, DEFAULT_MIN_COVERAGE), null)));
    }

    @Override
    public TrainedModel run(JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        p.requireKnown(parameters().keySet(), name());
        String data = p.string("data", null);
        if (data == null) {
            throw new JobFailedException("word-vectors needs data=<file> or data=labeled");
        }
        Map<String, String> ref = new LinkedHashMap<>();
        List<LabeledPair> pairs = texts.read(data, ctx, ref);
        List<String> corpus = new ArrayList<>(new LinkedHashSet<>(corpusOf(pairs)));
        String vectors = p.string("vectors", "glove");
        String weighting = p.oneOf("weighting", "tfidf", "tfidf", "mean");
        ctx.progress(0, 0, 0, Double.NaN, 0, -1, null, "building word vectors (" + vectors + ") for " + corpus.size() + " texts");
        WordVectors wv;
        try {
            wv = local.vectors(vectors, corpus);
        } catch (Exception e) {
            throw new JobFailedException("word vectors '" + vectors + "': " + e.getMessage(), e);
        }
        ctx.checkCancelled();
        Vocabulary vocab = Vocabulary.build(corpus, wv::contains);
        long tokens = 0;
        long known = 0;
        for (String t : corpus) {
            for (String tok : WordTokenizer.tokens(t)) {
                tokens++;
                if (vocab.id(tok) > 0) {
                    known++;
                }
            }
        }
        if (vocab.size() == 0) {
            throw new JobFailedException("no corpus word has a vector; nothing to publish");
        }
        byte[] onnx = TfidfW2vModel.build(vocab, wv, weighting, Map.of(ModelProperties.META_VECTORS, vectors));
        double parity;
        try (TfidfW2vEmbedder e = new TfidfW2vEmbedder(p.string("model", "tfidf-w2v"), OnnxSession.open(onnx, InferenceOptions.cpu(1)), vocab)) {
            List<String> sample = corpus.subList(0, Math.min(200, corpus.size()));
            parity = parity(e.embed(sample), sample, vocab, wv, weighting.equals("tfidf"));
        } catch (OrtException e) {
            throw new JobFailedException("the tfidf-w2v model does not load in ONNX Runtime: " + e.getMessage(), e);
        }
        Path vocabFile;
        byte[] vocabBytes;
        try {
            vocabFile = Files.createTempFile(ctx.workDir(), "vocab", ".tsv");
            vocab.write(vocabFile);
            vocabBytes = Files.readAllBytes(vocabFile);
        } catch (IOException e) {
            throw new JobFailedException("cannot write the vocabulary: " + e.getMessage(), e);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(COVERAGE, tokens == 0 ? 0 : (double) known / tokens);
        metrics.put("vocabulary", (double) vocab.size());
        metrics.put("corpus_texts", (double) corpus.size());
        Map<String, String> props = new LinkedHashMap<>();
        props.put(Embedders.META_KIND, TfidfW2vModel.KIND);
        props.put(ModelProperties.WEIGHTING, weighting);
        props.put(ModelProperties.VECTORS, vectors);
        props.put(ModelProperties.DIMENSION, Integer.toString(wv.dimension()));
        props.put(ModelProperties.VOCABULARY, Integer.toString(vocab.size()));
        Map<String, String> hyper = p.used();
        hyper.put("seed", Long.toString(ctx.seed()));
        return new TrainedModel(p.string("model", "tfidf-w2v"), null, onnx, null, parity, metrics, props, hyper,
                ref.get("file") + " (" + corpus.size() + " texts)", hash(corpus), Map.of(Vocabulary.FILE, vocabBytes),
                List.of("sentence vector = " + weighting + "-weighted mean of " + vectors + " word vectors"));
    }

    /** Largest |ONNX - direct Java| over the sample. */
    static double parity(float[][] onnx, List<String> sample, Vocabulary vocab, WordVectors wv, boolean tfidf) {
        double max = 0;
        for (int i = 0; i < sample.size(); i++) {
            double[] sum = new double[wv.dimension()];
            double weight = 0;
            for (String tok : WordTokenizer.tokens(sample.get(i))) {
                int id = vocab.id(tok);
                if (id == 0) {
                    continue;
                }
                double w = tfidf ? vocab.idf(id) : 1;
                float[] v = wv.get(tok);
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += w * v[d];
                }
                weight += w;
            }
            for (int d = 0; d < sum.length; d++) {
                double expected = sum[d] / Math.max(weight, 1e-12);
                max = Math.max(max, Math.abs(expected - onnx[i][d]));
            }
        }
        return max;
    }

    static List<String> corpusOf(List<LabeledPair> pairs) {
        List<String> t = new ArrayList<>();
        for (LabeledPair p : pairs) {
            t.add(p.left());
            t.add(p.right());
        }
        return t;
    }

    static String hash(List<String> corpus) {
        var md = io.quorum.shared.model.Hashing.sha256();
        for (String s : corpus) {
            md.update(s.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return io.quorum.shared.model.Hashing.hex(md.digest());
    }
}
