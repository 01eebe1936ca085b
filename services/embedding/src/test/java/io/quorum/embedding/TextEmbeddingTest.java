package io.quorum.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.QuestionPosted;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestData;
import io.quorum.text.TfidfW2vEmbedder;
import io.quorum.text.TfidfW2vModel;
import io.quorum.text.Vocabulary;
import io.quorum.text.WordVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedding logic without Quarkus or a broker: order kept, one answer per record, reasons for bad ones. */
class TextEmbeddingTest {

    private static LoadedEmbedder glove() throws Exception {
        WordVectors wv = WordVectors.read(TestData.require("glove-6B-50d-subset/glove.6B.50d.first2445.txt"));
        List<String> corpus = List.of("how do i learn to write", "what is the best way to learn", "the people of the city");
        Vocabulary v = Vocabulary.build(corpus, wv::contains);
        var e = new TfidfW2vEmbedder("tfidf-w2v", OnnxSession.open(TfidfW2vModel.build(v, wv, "tfidf", Map.of()),
                InferenceOptions.cpu(1)), v);
        ModelPublished meta = new ModelPublished(1, "tfidf-w2v", 3, "champion", "file:/x", "abc", 1, List.of(),
                new ModelSignature(List.of(), List.of()), null, null, null, 0);
        return new LoadedEmbedder(meta, e);
    }

    private static InRecord rec(String topic, long offset, String key, byte[] value) {
        return new InRecord(topic, 0, offset, key, value, 0);
    }

    @Test
    void pairsAreAnsweredInOrderWithVectorsOrReasons() throws Exception {
        try (LoadedEmbedder e = glove()) {
            TextEmbedding logic = new TextEmbedding(50, 2, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED);
            List<InRecord> in = new ArrayList<>();
            in.add(rec(Topics.PAIRS, 0, "p0", Json.toBytes(PairSubmitted.of("p0", "how do I learn", "best way to learn"))));
            in.add(rec(Topics.PAIRS, 1, "p1", Json.toBytes(PairSubmitted.of("p1", "   ", "x"))));
            in.add(rec(Topics.PAIRS, 2, "p2", Json.toBytes(PairSubmitted.of("p2", "y".repeat(51), "x"))));
            in.add(rec(Topics.PAIRS, 3, "p3", Json.toBytes(new PairSubmitted(1, "p3", null, "a", null, "b", "nope", 0))));
            in.add(rec(Topics.PAIRS, 4, "p4", Json.toBytes(PairSubmitted.of("p4", "the city", "people of the city"))));
            in.add(rec(Topics.PAIRS, 5, "p5", Json.toBytes(PairSubmitted.of("p5", "zzqx qqzx", "the"))));
            BatchResult r = logic.pairs(in, "tfidf-w2v", name -> name.equals("tfidf-w2v") ? e : null);
            assertThat(r.outputs()).extracting(o -> o.key()).containsExactly("p0", "p4", "p5");
            assertThat(r.deadLetters()).extracting(d -> d.reason())
                    .containsExactly(RejectReason.EMPTY_TEXT, RejectReason.TEXT_TOO_LONG, RejectReason.UNKNOWN_MODEL);
            PairEmbedded p0 = Json.fromBytes(r.outputs().get(0).value(), PairEmbedded.class);
            assertThat(p0.embedder()).isEqualTo("tfidf-w2v");
            assertThat(p0.embedderVersion()).isEqualTo(3);
            assertThat(p0.left().dim()).isEqualTo(50);
            PairEmbedded p5 = Json.fromBytes(r.outputs().get(2).value(), PairEmbedded.class);
            assertThat(p5.left().firstNonFinite()).isEqualTo(-1);
            assertThat(e.embedder().oov().textsWithoutKnownTokens()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void binaryContentModeWritesTheSameVectorsAsRawFloat32WithHeaders() throws Exception {
        try (LoadedEmbedder e = glove()) {
            TextEmbedding json = new TextEmbedding(50, 2, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED, true,
                    io.quorum.shared.events.ContentMode.JSON);
            TextEmbedding binary = new TextEmbedding(50, 2, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED, true,
                    io.quorum.shared.events.ContentMode.BINARY);
            List<InRecord> pairs = List.of(rec(Topics.PAIRS, 0, "p0", Json.toBytes(PairSubmitted.of("p0", "how do I learn", "the city"))));
            List<InRecord> questions = List.of(rec(Topics.QUESTIONS, 0, "q0",
                    Json.toBytes(new QuestionPosted(1, "q0", "people of the city", null, 0))));
            java.util.function.Function<String, LoadedEmbedder> lookup = name -> e;
            var pj = json.pairs(pairs, "tfidf-w2v", lookup).outputs().get(0);
            var pb = binary.pairs(pairs, "tfidf-w2v", lookup).outputs().get(0);
            assertThat(pj.headers()).containsEntry("content-type", "application/json");
            assertThat(pb.headers()).containsEntry("content-type", "application/vnd.quorum.float32le")
                    .containsEntry("ce_id", "p0").containsEntry("ce_source", "/quorum/embedding")
                    .containsEntry("quorum_dim", "50").containsEntry("quorum_embedder", "tfidf-w2v");
            assertThat(pb.value()).hasSize(2 * 50 * 4);
            var codec = io.quorum.shared.events.VectorCodec.pairs();
            PairEmbedded fromJson = codec.decode(pj.value(), pj.headers());
            PairEmbedded fromBinary = codec.decode(pb.value(), pb.headers());
            assertThat(fromBinary.left()).isEqualTo(fromJson.left());
            assertThat(fromBinary.right()).isEqualTo(fromJson.right());
            assertThat(fromBinary.embedderVersion()).isEqualTo(3);
            var qb = binary.questions(questions, "tfidf-w2v", lookup).outputs().get(0);
            QuestionEmbedded q = io.quorum.shared.events.VectorCodec.questions().decode(qb.value(), qb.headers());
            assertThat(q.text()).isEqualTo("people of the city");
            assertThat(q.vector().dim()).isEqualTo(50);
            assertThat(qb.headers()).containsEntry("ce_type", "io.quorum.question.embedded");
        }
    }

    @Test
    void miniLmPairsCarryTheirAlignmentFeatures(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var minilm = io.quorum.text.MiniLmEmbedder.load("minilm",
                io.quorum.text.Embedders.Bundled.MINILM.extractTo(dir), InferenceOptions.cpu(2));
        ModelPublished meta = new ModelPublished(1, "minilm", 1, "champion", "file:/x", "abc", 1, List.of(),
                new ModelSignature(List.of(), List.of()), null, null, null, 0);
        try (LoadedEmbedder e = new LoadedEmbedder(meta, minilm)) {
            String a = "The company paid $2.5 billion for the chain in 1998.";
            String b = "In 1998 the company bought the chain for $2.5 billion.";
            List<InRecord> in = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // more pairs than one inference chunk of 4 texts
                in.add(rec(Topics.PAIRS, i, "p" + i, Json.toBytes(PairSubmitted.of("p" + i, i == 3 ? "How do I learn Java?" : a, b))));
            }
            BatchResult r = new TextEmbedding(10_000, 4, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED, true)
                    .pairs(in, "minilm", n -> e);
            assertThat(r.outputs()).extracting(o -> o.key()).containsExactly("p0", "p1", "p2", "p3", "p4");
            PairEmbedded p0 = Json.fromBytes(r.outputs().get(0).value(), PairEmbedded.class);
            PairEmbedded p3 = Json.fromBytes(r.outputs().get(3).value(), PairEmbedded.class);
            assertThat(p0.featureSet()).isEqualTo(io.quorum.text.PairAlignment.FEATURE_SET);
            float[] expected = io.quorum.text.PairAlignment.features(minilm, List.of(a), List.of(b))[0];
            assertThat(p0.features().toArray()).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(p0.left().toArray()).containsExactly(minilm.embed(List.of(a))[0], org.assertj.core.data.Offset.offset(1e-5f));
            int cover = io.quorum.text.PairAlignment.NAMES.indexOf("cover_min");
            assertThat(p3.features().toArray()[cover]).isLessThan(p0.features().toArray()[cover]);

            BatchResult off = new TextEmbedding(10_000, 4, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED, false)
                    .pairs(in.subList(0, 1), "minilm", n -> e);
            PairEmbedded plain = Json.fromBytes(off.outputs().get(0).value(), PairEmbedded.class);
            assertThat(plain.features()).isNull();
            assertThat(plain.featureSet()).isNull();
        }
    }

    @Test
    void invisibleTextIsEmptyAndTheLimitCountsCharactersNotUtf16Units() throws Exception {
        assertThat(TextEmbedding.isBlank("\u00A0\u2007\u202F\u200B\uFEFF \t\n\u3000")).isTrue();
        assertThat(TextEmbedding.isBlank("\u200Ba\u200B")).isFalse();
        assertThat(TextEmbedding.isBlank("😀")).isFalse();
        assertThat(TextEmbedding.isBlank("\u0000\u0000")).isTrue();
        assertThat(TextEmbedding.isBlank("\u0007\u001B\u007F\u0085 \u0000")).isTrue();
        assertThat(TextEmbedding.isBlank("\u0000a")).isFalse();
        try (LoadedEmbedder e = glove()) {
            TextEmbedding logic = new TextEmbedding(10, 2, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED);
            List<InRecord> in = List.of(
                    rec(Topics.PAIRS, 0, "nbsp", Json.toBytes(PairSubmitted.of("nbsp", "\u00A0\u200B", "the city"))),
                    rec(Topics.PAIRS, 1, "emoji", Json.toBytes(PairSubmitted.of("emoji", "😀".repeat(10), "the city"))),
                    rec(Topics.PAIRS, 2, "long", Json.toBytes(PairSubmitted.of("long", "😀".repeat(11), "the city"))),
                    rec(Topics.PAIRS, 3, "nul", "{\"schemaVersion\":1,\"pairId\":\"nul\",\"left\":\"\\u0000\\u0000\",\"right\":\"the city\"}"
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            BatchResult r = logic.pairs(in, "tfidf-w2v", name -> e);
            // ten emoji are 20 UTF-16 units but ten characters: within a limit of 10
            assertThat(r.outputs()).extracting(o -> o.key()).containsExactly("emoji");
            assertThat(r.deadLetters()).extracting(d -> d.reason())
                    .containsExactly(RejectReason.EMPTY_TEXT, RejectReason.TEXT_TOO_LONG, RejectReason.EMPTY_TEXT);
            assertThat(r.deadLetters().get(1).message()).contains("has 11 characters");
            assertThat(r.deadLetters().get(2).source().key()).isEqualTo("nul");
        }
    }

    @Test
    void questionsKeepTheirIdAndText() throws Exception {
        try (LoadedEmbedder e = glove()) {
            TextEmbedding logic = new TextEmbedding(10_000, 64, Topics.QUESTIONS_EMBEDDED, Topics.PAIRS_EMBEDDED);
            BatchResult r = logic.questions(List.of(rec(Topics.QUESTIONS, 0, "q1",
                    Json.toBytes(QuestionPosted.of("q1", "How do I learn?")))), "tfidf-w2v", n -> e);
            QuestionEmbedded q = Json.fromBytes(r.outputs().get(0).value(), QuestionEmbedded.class);
            assertThat(q.questionId()).isEqualTo("q1");
            assertThat(q.text()).isEqualTo("How do I learn?");
            assertThat(r.outputs().get(0).topic()).isEqualTo(Topics.QUESTIONS_EMBEDDED);
        }
    }
}
