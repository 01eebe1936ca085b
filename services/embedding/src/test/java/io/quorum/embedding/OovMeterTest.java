package io.quorum.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.testing.TestData;
import io.quorum.text.TfidfW2vEmbedder;
import io.quorum.text.TfidfW2vModel;
import io.quorum.text.Vocabulary;
import io.quorum.text.WordVectors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OovMeterTest {

    private static TfidfW2vEmbedder embedder(WordVectors wv) throws Exception {
        Vocabulary v = Vocabulary.build(List.of("the city of people", "how to learn"), wv::contains);
        return new TfidfW2vEmbedder("tfidf-w2v", OnnxSession.open(TfidfW2vModel.build(v, wv, "tfidf", Map.of()),
                InferenceOptions.cpu(1)), v);
    }

    @Test
    void countersFollowTheServedVersionAndKeepWhatEarlierVersionsCounted() throws Exception {
        WordVectors wv = WordVectors.read(TestData.require("glove-6B-50d-subset/glove.6B.50d.first2445.txt"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        OovMeter meter = new OovMeter("tfidf-w2v", meters);
        try (TfidfW2vEmbedder v1 = embedder(wv); TfidfW2vEmbedder v2 = embedder(wv)) {
            meter.serve(v1.oov());
            v1.embed(List.of("the city zzqx", "qqzx"));
            double tokens = meters.get("quorum.embedder.tokens").tag("embedder", "tfidf-w2v").functionCounter().count();
            double oov = meters.get("quorum.embedder.oov.tokens").functionCounter().count();
            assertThat(tokens).isEqualTo(4);
            assertThat(oov).isEqualTo(2);
            assertThat(meters.get("quorum.embedder.oov.texts").functionCounter().count()).isEqualTo(1);

            // a hot swap: a second registration would have returned the first meter, bound to v1 for ever
            new OovMeter("tfidf-w2v", meters);
            meter.serve(v2.oov());
            assertThat(meters.get("quorum.embedder.tokens").functionCounter().count()).isEqualTo(4);
            v2.embed(List.of("people of the city"));
            v1.embed(List.of("retired versions no longer count"));
            assertThat(meters.get("quorum.embedder.tokens").functionCounter().count()).isEqualTo(8);
            assertThat(meters.get("quorum.embedder.oov.tokens").functionCounter().count()).isEqualTo(2);
        }
    }
}
