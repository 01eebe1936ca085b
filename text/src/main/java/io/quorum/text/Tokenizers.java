package io.quorum.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads Hugging Face tokenizers (DJL's Rust binding) without touching the network. DJL picks a CUDA build of its
 * native library when it sees a GPU and downloads it from publish.djl.ai at first use; in an air-gapped cluster that
 * fails and a GPU pod would not start. The tokenizer needs no GPU, so the CPU build inside the DJL jar is pinned
 * ({@code RUST_FLAVOR=cpu}) and DJL is put in offline mode ({@code ai.djl.offline=true}), unless the deployment set
 * either itself (environment variable or system property).
 */
public final class Tokenizers {

    /** DJL's override of the native library flavour (environment variable or system property). */
    static final String FLAVOR = "RUST_FLAVOR";
    /** DJL's offline switch (system property; environment variable {@code DJL_OFFLINE}). */
    static final String OFFLINE = "ai.djl.offline";

    private Tokenizers() {
    }

    /** {@link HuggingFaceTokenizer#newInstance(Path, Map)} with the CPU build of the native library, offline. */
    public static HuggingFaceTokenizer load(Path tokenizerJson, Map<String, String> options) throws IOException {
        pinCpuBuild();
        return HuggingFaceTokenizer.newInstance(tokenizerJson, options);
    }

    static synchronized void pinCpuBuild() {
        if (System.getenv(FLAVOR) == null && System.getProperty(FLAVOR) == null) {
            System.setProperty(FLAVOR, "cpu");
        }
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty(OFFLINE) == null) {
            System.setProperty(OFFLINE, "true");
        }
    }
}
