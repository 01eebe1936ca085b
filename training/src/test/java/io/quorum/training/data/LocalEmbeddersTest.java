package io.quorum.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.testing.TestData;
import io.quorum.text.WordVectors;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vector sources by name, and the {@code +center} suffix that removes a table's mean vector. */
class LocalEmbeddersTest {

    @TempDir
    Path cache;

    @Test
    void aCenteredSourceIsTheSameTableWithItsMeanRemoved() throws Exception {
        TestData.require("glove-6B-50d-subset/glove.6B.50d.first2445.txt");
        LocalEmbedders local = new LocalEmbedders(DataDir.root(), cache, InferenceOptions.cpu(1), 42);
        List<String> corpus = List.of("what is the capital of france", "which city is the capital of france");
        WordVectors glove = local.vectors("glove", corpus);
        WordVectors centered = local.vectors("glove" + LocalEmbedders.CENTER, corpus);

        assertThat(centered.size()).isEqualTo(glove.size());
        assertThat(centered.asMap().keySet()).isEqualTo(glove.asMap().keySet());
        double[] mean = new double[glove.dimension()];
        for (float[] v : centered.asMap().values()) {
            for (int d = 0; d < mean.length; d++) {
                mean[d] += v[d] / centered.size();
            }
        }
        for (double m : mean) {
            assertThat(m).isCloseTo(0, within(1e-4));
        }
        // a shift, nothing else: the difference between two words is kept
        for (int d = 0; d < glove.dimension(); d++) {
            assertThat(centered.get("city")[d] - centered.get("capital")[d])
                    .isCloseTo(glove.get("city")[d] - glove.get("capital")[d], within(1e-5f));
        }
    }

    @Test
    void anUnknownSourceNamesTheChoices() {
        LocalEmbedders local = new LocalEmbedders(DataDir.root(), cache, InferenceOptions.cpu(1), 42);
        assertThatThrownBy(() -> local.vectors("/no/such/vectors.txt+center", List.of("a b")))
                .hasMessageContaining("no vectors file /no/such/vectors.txt").hasMessageContaining("+center");
    }
}
