package io.quorum.trainer.data;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
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
 * ({@code glove}), Word2Vec trained on the corpus ({@code self}), or a vectors file. Used by evaluations and
 * ablations. The corpus is every text of the data given, labels unused, as the seed fitted its TF-IDF on all questions
 * before splitting: cross-validation folds share the vocabulary, IDF and self-trained vectors (transductive, like the
 * served {@code word-vectors} embedder, which is built from the corpus it will see).
 */
public final class LocalEmbedders implements EmbedderResolver {

    private final Path dataDir;
    private final Path cache;
    private final InferenceOptions options;
    private final long seed;
    private final java.util.Map<String, WordVectors> selfTrained = new java.util.concurrent.ConcurrentHashMap<>();

    public LocalEmbedders(Path dataDir, Path cache, InferenceOptions options, long seed) {
        this.dataDir = dataDir;
        this.cache = cache;
        this.options = options;
        this.seed = seed;
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

    /** GloVe subset, self-trained Word2Vec on {@code corpus}, or a vectors file. */
    public WordVectors vectors(String vectors, List<String> corpus) throws Exception {
        String v = vectors == null ? "glove" : vectors;
        if (v.equals("glove")) {
            return WordVectors.read(dataDir.resolve("glove-6B-50d-subset/glove.6B.50d.first2445.txt"));
        }
        if (v.equals("self")) {
            // one Word2Vec per corpus: cross-validation folds share the corpus, so they share the vectors
            String key = io.quorum.shared.model.Hashing.sha256(String.join("\n", corpus)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return selfTrained.computeIfAbsent(key, k -> Word2VecTrainer.train(corpus, 100, 5, 2, 10, seed));
        }
        Path file = Path.of(v);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no vectors file " + v + " (use glove, self or a word2vec/GloVe text file)");
        }
        return WordVectors.read(file);
    }

    /** Reference strings for bundled models. */
    static final class EmbedderPublishingRefs {
        static String bundled(Embedders.Bundled b) {
            return b.modelName + " (" + io.quorum.text.EmbedderPublishing.MINILM_SOURCE + ", " + b.precision + ")";
        }
    }
}
