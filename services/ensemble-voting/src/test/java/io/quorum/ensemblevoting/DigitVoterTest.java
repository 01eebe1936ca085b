package io.quorum.ensemblevoting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.DigitClassified;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.DigitSuspected;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestDigitModels;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.ensemble.Detector;
import io.quorum.vision.ensemble.Disagreement;
import io.quorum.vision.ensemble.Vote;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The voter on a real fused ensemble of three perceptrons (ONNX Runtime, no broker): every digit gets the vote it
 * asks for, all three votes and the disagreement match the members computed in Java, digits whose members disagree
 * beyond the threshold are flagged and copied to the suspicious topic with their image, bad input is dead-lettered
 * with its reason and costs only itself.
 */
class DigitVoterTest {

    private final List<OnnxSession> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(OnnxSession::close);
    }

    private VotingModel model(List<TestDigitModels.Mlp> members, Double threshold) throws Exception {
        OnnxSession s = OnnxSession.open(TestDigitModels.ensemble(members, 28, 28, threshold)[0], InferenceOptions.cpu(1));
        open.add(s);
        DigitEnsembleSpec.check(s, null);
        ModelPublished meta = new ModelPublished(ModelPublished.SCHEMA_VERSION, "test-ensemble", 4, "champion", "file:/m",
                "0".repeat(64), 1, List.of(), s.signature(), Map.of(), new Lineage(null, "test", "test", null, "test", 0L),
                Map.of(), 0L);
        return VotingModel.of(meta, s);
    }

    private static DigitVoter voter(Vote vote, boolean detect, Double override) {
        return new DigitVoter(new DigitVoter.Settings(Topics.DIGITS_CLASSIFIED, Topics.DIGITS_SUSPICIOUS, vote, detect, override));
    }

    private static InRecord record(int offset, DigitSubmitted d) {
        return record(offset, d.imageId(), Json.toBytes(d));
    }

    private static InRecord record(int offset, String key, byte[] value) {
        return new InRecord(Topics.DIGITS, 0, offset, key, value, System.currentTimeMillis());
    }

    private static List<DigitClassified> classified(BatchResult r) {
        return r.outputs().stream().filter(o -> o.topic().equals(Topics.DIGITS_CLASSIFIED))
                .map(o -> Json.fromBytes(o.value(), DigitClassified.class)).toList();
    }

    @Test
    void everyDigitGetsTheVoteItAsksForAndAllThreeFromOneCall() throws Exception {
        List<TestDigitModels.Mlp> members = Digits.ensemble();
        VotingModel model = model(members, null);
        DigitSet test = Digits.test();
        String[] asked = {null, "mean", "majority", "MAX", null, "mean"};
        List<InRecord> in = new ArrayList<>();
        for (int i = 0; i < asked.length; i++) {
            in.add(record(i, Digits.digit("d" + i, test.images()[i], test.labels()[i], asked[i])));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        VoteMetrics votes = new VoteMetrics(meters);
        BatchResult r = voter(Vote.MAX, true, null).vote(in, model, null, votes);

        assertThat(r.deadLetters()).isEmpty();
        List<DigitClassified> out = classified(r);
        assertThat(out).extracting(DigitClassified::imageId).containsExactly("d0", "d1", "d2", "d3", "d4", "d5");
        float[][][] p = TestDigitModels.memberProbabilities(members, Arrays.copyOf(test.images(), asked.length));
        for (int i = 0; i < asked.length; i++) {
            DigitClassified c = out.get(i);
            Vote vote = asked[i] == null ? Vote.MAX : Vote.parse(asked[i]);
            Vote.Decision expected = vote.decide(p[i]);
            assertThat(c.vote()).isEqualTo(vote.wire());
            assertThat(c.prediction()).isEqualTo(expected.label());
            assertThat(c.className()).isEqualTo(Integer.toString(expected.label()));
            assertThat(c.confidence()).isCloseTo(expected.confidence(), Offset.offset(1e-5));
            for (Vote v : Vote.values()) {
                assertThat(c.byVote()).containsEntry(v.wire(), v.decide(p[i]).label());
            }
            assertThat(c.agreement()).isCloseTo(Disagreement.agreement(p[i], c.prediction()), Offset.offset(1e-9));
            assertThat(c.disagreement()).isCloseTo(Disagreement.mutualInformation(p[i]), Offset.offset(1e-4));
            assertThat(c.suspectedAdversarial()).as("a version without a threshold flags nothing").isFalse();
            assertThat(c.threshold()).isNull();
            assertThat(c.members()).isEqualTo(3);
            assertThat(c.label()).isEqualTo(test.labels()[i]);
            assertThat(c.model()).isEqualTo("test-ensemble");
            assertThat(c.modelVersion()).isEqualTo(4);
        }
        assertThat(votes.votes("test-ensemble", 4, Vote.MAX)).isEqualTo(3.0);
        assertThat(votes.votes("test-ensemble", 4, Vote.MEAN)).isEqualTo(2.0);
        assertThat(meters.find("quorum.ensemble.disagreement").summary().count()).isEqualTo(6);
        // 8-bit pixels vote like the floats they round to
        BatchResult px = voter(Vote.MEAN, true, null).vote(List.of(record(9, Digits.pixels("px", test.images()[0],
                null, null))), model, null, null);
        assertThat(classified(px).get(0).byVote()).isEqualTo(out.get(0).byVote());
    }

    @Test
    void digitsWhoseMembersDisagreeBeyondTheThresholdAreFlaggedAndCopiedWithTheirImage() throws Exception {
        List<TestDigitModels.Mlp> members = Digits.ensemble();
        DigitSet test = Digits.test();
        // the threshold that flags 10% of 300 clean digits, as the job calibrates it
        float[][][] clean = TestDigitModels.memberProbabilities(members, Arrays.copyOf(test.images(), 300));
        double[] scores = Disagreement.mutualInformation(clean);
        double at90 = Detector.threshold(scores, 0.10);
        // halfway to the next larger clean score: no digit lies within float rounding of it
        double threshold = (at90 + Arrays.stream(scores).filter(x -> x > at90).min().orElse(at90 + 1e-3)) / 2;
        VotingModel model = model(members, threshold);
        List<InRecord> in = new ArrayList<>();
        List<Integer> expectedFlagged = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            in.add(record(i, Digits.digit("c" + i, test.images()[i], test.labels()[i], null)));
            if (scores[i] > threshold) {
                expectedFlagged.add(i);
            }
        }
        assertThat(expectedFlagged).as("some of the first 60 clean digits lie above the 90th percentile").isNotEmpty();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        VoteMetrics votes = new VoteMetrics(meters);
        BatchResult r = voter(Vote.MAX, true, null).vote(in, model, null, votes);

        List<DigitClassified> out = classified(r);
        List<Integer> flagged = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i).threshold()).isCloseTo(threshold, Offset.offset(1e-12));
            if (out.get(i).suspectedAdversarial()) {
                flagged.add(i);
            }
        }
        assertThat(flagged).isEqualTo(expectedFlagged);
        List<OutRecord> suspicious = r.outputs().stream().filter(o -> o.topic().equals(Topics.DIGITS_SUSPICIOUS)).toList();
        assertThat(suspicious).hasSize(flagged.size());
        int first = flagged.get(0);
        DigitSuspected s = Json.fromBytes(suspicious.get(0).value(), DigitSuspected.class);
        assertThat(suspicious.get(0).key()).isEqualTo("c" + first);
        assertThat(s.classification().imageId()).isEqualTo("c" + first);
        assertThat(s.classification().suspectedAdversarial()).isTrue();
        assertThat(s.image().intensities()).containsExactly(test.images()[first]);
        assertThat(s.memberPredictions()).containsExactly(Arrays.stream(Vote.memberPredictions(clean[first])).boxed()
                .toArray(Integer[]::new));
        // each suspicious copy follows its classification
        int at = 0;
        for (OutRecord o : r.outputs()) {
            if (o.topic().equals(Topics.DIGITS_SUSPICIOUS)) {
                assertThat(r.outputs().get(at - 1).key()).isEqualTo(o.key());
            }
            at++;
        }
        assertThat(votes.flags("test-ensemble", 4)).isEqualTo(flagged.size());

        // a fixed threshold overrides the version's; detection off flags nothing
        assertThat(classified(voter(Vote.MAX, true, 10.0).vote(in, model, null, null)))
                .noneMatch(DigitClassified::suspectedAdversarial);
        BatchResult off = voter(Vote.MAX, false, null).vote(in, model, null, null);
        assertThat(classified(off)).noneMatch(DigitClassified::suspectedAdversarial).allMatch(c -> c.threshold() == null);
        assertThat(off.outputs()).hasSize(in.size());
    }

    @Test
    void badDigitsAreDeadLetteredWithTheirReasonAndTheRestAnswered() throws Exception {
        VotingModel model = model(Digits.ensemble(), null);
        float[] good = Digits.test().images()[0];
        float[] nan = good.clone();
        nan[100] = Float.NaN;
        float[] bright = good.clone();
        bright[5] = 1.5f;
        List<InRecord> in = List.of(
                record(0, Digits.digit("ok-1", good, 7, null)),
                record(1, new DigitSubmitted(1, "small", DigitImage.ofFloats(27, 27, new float[27 * 27]), null, "t", null, 0)),
                record(2, new DigitSubmitted(1, "short", new DigitImage(28, 28, null, FloatVector.of(new float[700])), null, "t",
                        null, 0)),
                record(3, Digits.digit("nan", nan, null, null)),
                record(4, Digits.digit("bright", bright, null, null)),
                record(5, new DigitSubmitted(1, "b64", new DigitImage(28, 28, "not base64!", null), null, "t", null, 0)),
                record(6, Digits.digit("median", good, null, "median")),
                record(7, "junk", "{not json".getBytes(StandardCharsets.UTF_8)),
                record(8, "noimage", "{\"schemaVersion\":1,\"imageId\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
                record(9, Digits.digit("ok-2", good, 7, "mean")));
        BatchResult r = voter(Vote.MAX, true, null).vote(in, model, null, null);

        assertThat(classified(r)).extracting(DigitClassified::imageId).containsExactly("ok-1", "ok-2");
        assertThat(r.deadLetters()).extracting(d -> d.source().offset() + " " + d.reason()).containsExactly(
                "1 WRONG_DIMENSION", "2 WRONG_DIMENSION", "3 NON_FINITE", "4 INVALID_VALUE", "5 INVALID_VALUE",
                "6 INVALID_VALUE", "7 MALFORMED_JSON", "8 MISSING_FIELD");
        assertThat(r.deadLetters().get(0).message()).contains("28x28", "27x27");
        assertThat(r.deadLetters().get(5).message()).contains("unknown vote 'median'");
        DeadLetter d = r.deadLetters().get(2);
        assertThat(d.toOutRecord(EnsembleVotingService.SERVICE).topic()).isEqualTo(Topics.dlq(Topics.DIGITS));
        assertThat(d.toOutRecord(EnsembleVotingService.SERVICE).headers()).containsEntry(DeadLetter.HEADER_REASON_CODE,
                RejectReason.NON_FINITE.name());
    }
}
