package io.quorum.training.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.data.PairFileReader;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.testing.TestData;
import io.quorum.text.Embedders;
import io.quorum.text.MiniLmEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fine-tuner on the bundled MiniLM and real MRPC pairs: SameDiff rebuilds the top layers exactly, training moves
 * only those layers' weights, and the exported ONNX encoder computes what SameDiff computes.
 */
class MiniLmFineTunerTest {

    @TempDir
    static Path dir;
    static Path minilm;
    static byte[] base;

    @BeforeAll
    static void extract() throws Exception {
        minilm = Embedders.Bundled.MINILM.extractTo(dir.resolve("minilm"));
        base = Files.readAllBytes(minilm.resolve("model.onnx"));
    }

    private static MiniLmFineTuner tuner(int layers, int epochs, double lr) throws Exception {
        return new MiniLmFineTuner(base, minilm.resolve(MiniLmEmbedder.TOKENIZER_FILE),
                new MiniLmFineTuner.Settings(layers, epochs, lr, 8, 128, 7));
    }

    private static float[][] served(byte[] onnx, List<String> texts) throws Exception {
        try (MiniLmEmbedder e = embedder(onnx)) {
            return e.embed(texts);
        }
    }

    private static MiniLmEmbedder embedder(byte[] onnx) throws Exception {
        Path d = Files.createDirectories(dir.resolve("served-" + System.nanoTime()));
        Files.write(d.resolve("model.onnx"), onnx);
        Files.copy(minilm.resolve(MiniLmEmbedder.TOKENIZER_FILE), d.resolve(MiniLmEmbedder.TOKENIZER_FILE));
        return MiniLmEmbedder.load("t", d, InferenceOptions.cpu(1));
    }

    /** Largest difference between the token vectors of two lists of {@link MiniLmEmbedder.TokenVectors}. */
    private static double tokenDiff(List<MiniLmEmbedder.TokenVectors> a, List<MiniLmEmbedder.TokenVectors> b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).pieces()).isEqualTo(b.get(i).pieces());
            max = Math.max(max, MiniLmFineTuner.maxAbsDiff(a.get(i).tokens(), b.get(i).tokens()));
        }
        return max;
    }

    private static final List<String> TEXTS = List.of("How do I learn Java quickly?",
            "The company paid $2.5 billion for the chain in 1998, a spokesman said on Tuesday.", "Hi",
            "Where is the nearest bakery that is open on Sundays in the old town?", "What is the capital of France?");

    @Test
    void rebuildsTheTopLayersExactly() throws Exception {
        try (MiniLmFineTuner t = tuner(2, 1, 1e-4)) {
            assertThat(t.depth()).isEqualTo(6);
            assertThat(t.firstTrainedLayer()).isEqualTo(4);
            // untrained: SameDiff (frozen part on ORT + rebuilt top layers) equals the whole model on ORT
            assertThat(MiniLmFineTuner.maxAbsDiff(t.embed(TEXTS), served(base, TEXTS))).isLessThan(1e-5);
            // and the export round-trips the weights bit for bit
            Onnx.ModelProto exported = Onnx.ModelProto.parseFrom(t.exportEncoder(Map.of("k", "v")));
            Onnx.ModelProto original = Onnx.ModelProto.parseFrom(base);
            assertThat(exported.getGraph().getInitializerList()).isEqualTo(original.getGraph().getInitializerList());
            assertThat(exported.getMetadataPropsList()).anyMatch(p -> p.getKey().equals("k") && p.getValue().equals("v"));
        }
    }

    @Test
    void trainingSeparatesParaphrasesAndTheExportServesTheTunedWeights() throws Exception {
        List<LabeledPair> pairs = PairFileReader.read(TestData.require("mrpc/msr_paraphrase_train.txt"),
                PairFileReader.Format.MRPC).pairs().subList(0, 96);
        try (MiniLmFineTuner t = tuner(1, 3, 1e-4)) {
            double before = separation(t, pairs);
            List<Double> losses = new ArrayList<>();
            t.train(pairs, (done, total, loss) -> losses.add(loss), () -> { });
            // running mean of the binary cross-entropy: positive, and lower after three epochs than after the first step
            assertThat(losses).hasSize(3 * 12).allMatch(l -> Double.isFinite(l) && l > 0);
            assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0));
            double after = separation(t, pairs);
            // mean cosine of paraphrases minus non-paraphrases, on the pairs it trained on
            assertThat(after).isGreaterThan(before + 0.01);

            byte[] tuned = t.exportEncoder(Map.of());
            assertThat(MiniLmFineTuner.maxAbsDiff(t.embed(TEXTS), served(tuned, TEXTS))).isLessThan(1e-5);
            // only the trained layer's initialisers changed
            Map<String, Onnx.TensorProto> was = new HashMap<>();
            Onnx.ModelProto.parseFrom(base).getGraph().getInitializerList().forEach(x -> was.put(x.getName(), x));
            List<String> changed = new ArrayList<>();
            for (Onnx.TensorProto x : Onnx.ModelProto.parseFrom(tuned).getGraph().getInitializerList()) {
                if (!x.equals(was.get(x.getName()))) {
                    changed.add(x.getName());
                }
            }
            assertThat(changed).hasSize(16).allMatch(n -> n.startsWith("encoder.layer.5.") || n.startsWith("onnx::MatMul"));
            assertThat(changed.stream().filter(n -> n.startsWith("encoder.")).toList()).hasSize(10);

            // with the base branch: sentence vectors from the tuned layer, token vectors from the base model's
            byte[] both = t.exportEncoder(Map.of(), true);
            try (MiniLmEmbedder withBase = embedder(both); MiniLmEmbedder plain = embedder(base);
                 MiniLmEmbedder tunedOnly = embedder(tuned)) {
                float[][] sentences = withBase.embed(TEXTS);
                assertThat(MiniLmFineTuner.maxAbsDiff(sentences, tunedOnly.embed(TEXTS))).isLessThan(1e-6);
                List<MiniLmEmbedder.TokenVectors> tokens = withBase.tokenVectors(TEXTS);
                assertThat(tokenDiff(tokens, plain.tokenVectors(TEXTS))).isLessThan(1e-6);
                assertThat(tokenDiff(tokens, tunedOnly.tokenVectors(TEXTS))).isGreaterThan(1e-3);
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertThat(MiniLmFineTuner.maxAbsDiff(new float[][] {tokens.get(i).sentence()}, new float[][] {sentences[i]}))
                            .isLessThan(1e-6);
                }
            }
            // a tuner started from such a file refuses to add a second branch
            try (MiniLmFineTuner again = new MiniLmFineTuner(both, minilm.resolve(MiniLmEmbedder.TOKENIZER_FILE),
                    new MiniLmFineTuner.Settings(1, 1, 1e-4, 8, 128, 7))) {
                assertThat(MiniLmFineTuner.maxAbsDiff(again.embed(TEXTS), served(tuned, TEXTS))).isLessThan(1e-5);
                assertThatThrownBy(() -> again.exportEncoder(Map.of(), true)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(MiniLmEmbedder.TOKEN_OUTPUT);
            }

            // the cosine head as a pair-scorer model: the service's contract checks and the closed form
            MiniLmFineTuner.Head head = t.head();
            byte[] headOnnx = CosineHeadOnnx.build(MiniLmEmbedder.DIM, head, Map.of(PairScorerSpec.META_THRESHOLD, "0.5"));
            try (OnnxSession s = OnnxSession.open(headOnnx, InferenceOptions.cpu(1))) {
                PairScorerSpec.check(s, null);
                assertThat(s.signature().output(PairScorerSpec.OUTPUT).orElseThrow().rank()).isEqualTo(2);
                float[][] v = served(tuned, List.of(TEXTS.get(0), TEXTS.get(1)));
                float[] p = s.runFloat(Map.of(PairScorerSpec.INPUT_LEFT, FloatTensor.of(v[0], 1, v[0].length),
                        PairScorerSpec.INPUT_RIGHT, FloatTensor.of(v[1], 1, v[1].length)), PairScorerSpec.OUTPUT).data();
                double cos = 0;
                for (int j = 0; j < v[0].length; j++) {
                    cos += v[0][j] * v[1][j];
                }
                assertThat((double) p[0]).isCloseTo(head.probability(cos), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void refusesWhatItCannotTune() throws Exception {
        assertThatThrownBy(() -> tuner(7, 1, 1e-4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6 layers");
        assertThatThrownBy(() -> new MiniLmFineTuner.Settings(0, 1, 1e-4, 8, 128, 1)).isInstanceOf(IllegalArgumentException.class);
        io.quorum.shared.onnx.OnnxGraph g = io.quorum.shared.onnx.OnnxGraph.create("not-bert");
        g.output(g.relu(g.input("x", 4)), "y", -1, 4);
        byte[] notBert = g.toBytes();
        assertThatThrownBy(() -> new MiniLmFineTuner(notBert, minilm.resolve(MiniLmEmbedder.TOKENIZER_FILE),
                new MiniLmFineTuner.Settings(1, 1, 1e-4, 8, 128, 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a BERT-style encoder");
    }

    /** Mean cosine of the paraphrase pairs minus that of the others, under the tuner's current weights. */
    private static double separation(MiniLmFineTuner t, List<LabeledPair> pairs) throws Exception {
        float[][] l = t.embed(pairs.stream().map(LabeledPair::left).toList());
        float[][] r = t.embed(pairs.stream().map(LabeledPair::right).toList());
        double pos = 0;
        double neg = 0;
        int np = 0;
        for (int i = 0; i < pairs.size(); i++) {
            double c = 0;
            for (int j = 0; j < l[i].length; j++) {
                c += l[i][j] * r[i][j];
            }
            if (pairs.get(i).label() == 1) {
                pos += c;
                np++;
            } else {
                neg += c;
            }
        }
        return pos / np - neg / (pairs.size() - np);
    }
}
