package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled MiniLM tokenizer loads offline on the CPU build of DJL's native library, and tokenizes. */
class TokenizersTest {

    @TempDir
    Path dir;

    @Test
    void loadsTheCpuBuildOfflineAndTokenizes() throws Exception {
        Path model = Embedders.Bundled.MINILM.extractTo(dir.resolve("fp32"));
        try (HuggingFaceTokenizer tok = Tokenizers.load(model.resolve(MiniLmEmbedder.TOKENIZER_FILE), Map.of())) {
            Encoding e = tok.encode("How do I learn Java quickly?");
            assertThat(e.getTokens()).startsWith("[CLS]", "how", "do", "i", "learn", "java").endsWith("[SEP]");
        }
        if (System.getenv(Tokenizers.FLAVOR) == null) {
            assertThat(System.getProperty(Tokenizers.FLAVOR)).isEqualTo("cpu");
        }
        if (System.getenv("DJL_OFFLINE") == null) {
            assertThat(System.getProperty(Tokenizers.OFFLINE)).isEqualTo("true");
        }
    }
}
