package io.quorum.training.data;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.text.ContextualWordVectors;
import io.quorum.text.Embedders;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.TfidfW2vEmbedder;
import io.quorum.text.TfidfW2vModel;
import io.quorum.text.Vocabulary;
import io.quorum.text.WordVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds embedders in process, without the registry: the bundled MiniLM files, and TF-IDF (or plain mean) word-vector
 * embedders whose vocabulary and IDF come from the training corpus and whose vectors are the GloVe subset
 * ({@code glove}), Word2Vec trained on the corpus ({@code self}), MiniLM's contextual vectors averaged per corpus word
 * ({@code minilm-context}), or a vectors file; any of them followed by {@code +center} has the table's mean vector
 * removed ({@link WordVectors#centered()}). Used by evaluations and
 * ablations. The corpus is every text of the data given, labels unused, as the seed fitted its TF-IDF on all questions
 * before splitting: cross-validation folds share the vocabulary, IDF and self-trained vectors (transductive, like the
 * served {@code word-vectors} embedder, which is built from the corpus it will see).
 */
public final class LocalEmbedders implements EmbedderResolver {

    /** The {@code vectors} value for word vectors distilled from MiniLM over the corpus. */
    public static final String MINILM_CONTEXT = "minilm-context";
    /** Suffix of a vector source whose table mean is removed ({@code minilm-context+center}, {@code glove+center}). */
    public static final String CENTER = "+center";

    private final Path dataDir;
    private final Path cache;
    private final InferenceOptions options;
    private final long seed;
    private final boolean confined;
    /** Vectors built from a corpus (self-trained, distilled), the last two kept: folds and rows share their corpus. */
    private final java.util.Map<String, WordVectors> selfTrained = new java.util.LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, WordVectors> eldest) {
            return size() > 2;
        }
    };

    public LocalEmbedders(Path dataDir, Path cache, InferenceOptions options, long seed) {
        this(dataDir, cache, options, seed, false);
    }

    /** @param confined when true, a vectors file must lie inside {@code dataDir} ({@link DataPaths}): the trainer service */
    public LocalEmbedders(Path dataDir, Path cache, InferenceOptions options, long seed, boolean confined) {
        this.dataDir = dataDir;
        this.cache = cache;
        this.options = options;
        this.seed = seed;
        this.confined = confined;
    }

    @Override
    public Resolved resolve(String name, String vectors, List<String> corpus) throws Exception {
        switch (name) {
            case "minilm", "minilm-q" -> {
                Embedders.Bundled b = name.equals("minilm") ? Embedders.Bundled.MINILM : Embedders.Bundled.MINILM_Q;
                Path dir = b.extractTo(cache.resolve("bundled-" + b.modelName));
                return new Resolved(MiniLmEmbedder.load(name, dir, options), null, EmbedderPublishingRefs.bundled(b), dir);
            }
            case "tfidf-w2v", "mean-w2v" -> {
                WordVectors wv = vectors(vectors, corpus);
                Vocabulary vocab = Vocabulary.build(corpus, wv::contains);
                String weighting = name.equals("tfidf-w2v") ? "tfidf" : "mean";
                byte[] onnx = TfidfW2vModel.build(vocab, wv, weighting, Map.of());
                return new Resolved(new TfidfW2vEmbedder(name, OnnxSession.open(onnx, options), vocab), null,
                        name + " (" + (vectors == null ? "glove" : vectors) + " vectors, corpus vocabulary " + vocab.size() + ")");
            }
            default -> throw new IllegalArgumentException("unknown embedder '" + name + "': minilm, minilm-q, tfidf-w2v, mean-w2v");
        }
    }

    /**
     * GloVe subset, self-trained Word2Vec on {@code corpus}, word vectors distilled from the bundled MiniLM's contextual
     * token vectors over {@code corpus} ({@value #MINILM_CONTEXT}, {@link ContextualWordVectors}), or a vectors file.
     */
    public WordVectors vectors(String vectors, List<String> corpus) throws Exception {
        String v = vectors == null ? "glove" : vectors;
        if (v.endsWith(CENTER)) {
            // any source, with the table's mean vector removed (WordVectors.centered)
            return vectors(v.substring(0, v.length() - CENTER.length()), corpus).centered();
        }
        if (v.equals("glove")) {
            return WordVectors.read(dataDir.resolve("glove-6B-50d-subset/glove.6B.50d.first2445.txt"));
        }
        if (v.equals(MINILM_CONTEXT)) {
            // one distillation per corpus, like self-trained vectors
            String key = MINILM_CONTEXT + ":" + io.quorum.shared.model.Hashing.sha256(String.join("\n", corpus)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return built(key, () -> {
                Embedders.Bundled b = Embedders.Bundled.MINILM;
                try (MiniLmEmbedder m = MiniLmEmbedder.load("minilm", b.extractTo(cache.resolve("bundled-" + b.modelName)), options)) {
                    return ContextualWordVectors.distill(m, corpus, 64);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot distil word vectors from MiniLM: " + e.getMessage(), e);
                }
            });
        }
        if (v.equals("self")) {
            // one Word2Vec per corpus: cross-validation folds share the corpus, so they share the vectors
            String key = io.quorum.shared.model.Hashing.sha256(String.join("\n", corpus)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return built(key, () -> Word2VecTrainer.train(corpus, 100, 5, 2, 10, seed));
        }
        if (confined) {
            Path file;
            try {
                file = DataPaths.confine(dataDir, v);
            } catch (io.quorum.training.api.JobFailedException e) {
                throw new IllegalArgumentException(e.getMessage() + " (vectors: glove, self, " + MINILM_CONTEXT
                        + " or a word2vec/GloVe text file in the data directory, each optionally followed by " + CENTER + ")");
            }
            return WordVectors.read(file);
        }
        Path file = Path.of(v);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no vectors file " + v + " (use glove, self, " + MINILM_CONTEXT
                    + " or a word2vec/GloVe text file, each optionally followed by " + CENTER + ")");
        }
        return WordVectors.read(file);
    }

    private synchronized WordVectors built(String key, java.util.function.Supplier<WordVectors> build) {
        WordVectors v = selfTrained.get(key);
        if (v == null) {
            v = build.get();
            selfTrained.put(key, v);
        }
        return v;
    }

    /** Reference strings for bundled models. */
    static final class EmbedderPublishingRefs {
        static String bundled(Embedders.Bundled b) {
            return b.modelName + " (" + io.quorum.text.EmbedderPublishing.MINILM_SOURCE + ", " + b.precision + ")";
        }
    }
}
