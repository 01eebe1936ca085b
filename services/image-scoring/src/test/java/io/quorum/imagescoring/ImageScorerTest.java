package io.quorum.imagescoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.pipeline.FaceCropper;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.ImageScored;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImageScorerTest {

    private static OnnxSession session;
    private static BlazeFaceDetector detector;
    private static ScoringModel model;

    @BeforeAll
    static void open() throws Exception {
        session = OnnxSession.open(Photos.defaultModel(), InferenceOptions.cpu(1));
        ModelPublished meta = new ModelPublished(1, "image-scorer", 4, "champion", "file:/x", "abc", 1, List.of(),
                new io.quorum.shared.events.ModelSignature(List.of(), List.of()), null, null, null, 0);
        model = ScoringModel.of(meta, session);
        detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), 1);
    }

    @AfterAll
    static void close() {
        session.close();
        detector.close();
    }

    private static ImageScorer scorer(boolean aligned, long maxBytes) {
        return new ImageScorer(new ImageScorer.Settings(Topics.IMAGES_SCORED, aligned, maxBytes),
                new FaceCropper(new ImageDecoder(), detector, new FaceAligner(FaceAligner.Geometry.mebeauty())));
    }

    private static InRecord record(int offset, String key, byte[] value, Map<String, String> headers) {
        return new InRecord(Topics.IMAGES, 0, offset, key, value, 1, headers);
    }

    @Test
    void answersEveryPhotoInOrderWithAScoreOrItsReason() throws Exception {
        byte[] raw = Photos.raw("female/asian/13.jpg");
        byte[] crop = Photos.crop("female/asian/13.jpg");
        List<InRecord> in = new ArrayList<>();
        in.add(record(0, "raw", raw, Photos.headers("id-raw", "image/jpeg", null)));
        in.add(record(1, "truncated", Photos.truncated(raw), Photos.headers("id-t", "image/jpeg", null)));
        in.add(record(2, "crop", crop, Photos.headers("id-crop", "image/jpeg", true)));
        in.add(record(3, "corrupt", Photos.corrupt(raw), Photos.headers("id-c", "image/jpeg", null)));
        in.add(record(4, "bomb", Photos.bomb(), Photos.headers("id-b", "image/png", null)));
        in.add(record(5, "text", Photos.notAnImage(), Photos.headers("id-x", "application/json", null)));
        in.add(record(6, "blank", Photos.blank(), Photos.headers("id-blank", "image/png", null)));
        Map<String, String> badFlag = new java.util.HashMap<>(Photos.headers("id-f", "image/jpeg", null));
        badFlag.put(ImageScorer.HEADER_ALIGNED, "maybe");
        in.add(record(7, "flag", crop, badFlag));
        in.add(record(8, "empty", new byte[0], Map.of()));
        in.add(record(9, null, raw, Map.of()));

        BatchResult r = scorer(false, 10_000_000).score(in, model, null, null);

        EventCodec<ImageScored> codec = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION);
        List<OutRecord> outs = r.outputs();
        assertThat(outs).extracting(OutRecord::key).containsExactly("raw", "crop", Topics.IMAGES + "-0@9");
        ImageScored rawScore = codec.decode(outs.get(0).value());
        ImageScored cropScore = codec.decode(outs.get(1).value());
        ImageScored noHeaders = codec.decode(outs.get(2).value());
        assertThat(rawScore.imageId()).isEqualTo("id-raw");
        assertThat(rawScore.source()).isEqualTo("test-camera");
        assertThat(rawScore.facePolicy()).isEqualTo(ImageScored.POLICY_LARGEST);
        assertThat(rawScore.facesFound()).isGreaterThanOrEqualTo(1);
        assertThat(rawScore.face()).isNotNull();
        assertThat(rawScore.face().landmarks()).hasSize(6);
        assertThat(rawScore.face().width()).isPositive();
        assertThat(rawScore.model()).isEqualTo("image-scorer");
        assertThat(rawScore.modelVersion()).isEqualTo(4);
        assertThat(rawScore.scaleMin()).isEqualTo(1);
        assertThat(rawScore.scaleMax()).isEqualTo(10);
        // a plausible score on MEBeauty's 1..10 scale; the same person raw and as the authors' crop score alike
        assertThat(rawScore.score()).isBetween(1.0, 10.0);
        assertThat(cropScore.facePolicy()).isEqualTo(ImageScored.POLICY_ALREADY_ALIGNED);
        assertThat(cropScore.face()).isNull();
        assertThat(cropScore.facesFound()).isEqualTo(1);
        assertThat(Math.abs(cropScore.score() - rawScore.score())).isLessThan(1.0);
        // no ce_id and no key: the coordinates name it; same photo, same score
        assertThat(noHeaders.imageId()).isEqualTo(Topics.IMAGES + "-0@9");
        assertThat(noHeaders.score()).isEqualTo(rawScore.score());

        assertThat(r.deadLetters()).extracting(d -> d.source().key() + ":" + d.reason()).containsExactly(
                "truncated:" + RejectReason.TRUNCATED_IMAGE, "corrupt:" + reasonOf(r, "corrupt"),
                "bomb:" + RejectReason.DECOMPRESSION_BOMB, "text:" + RejectReason.NOT_AN_IMAGE,
                "blank:" + RejectReason.NO_FACE, "flag:" + RejectReason.INVALID_VALUE, "empty:" + RejectReason.NOT_AN_IMAGE);
        assertThat(reasonOf(r, "corrupt")).isIn(RejectReason.CORRUPT_IMAGE, RejectReason.TRUNCATED_IMAGE);
        // the dead letter keeps the photo's CloudEvents headers and adds its reason
        OutRecord dead = r.deadLetters().get(2).toOutRecord(ImageScoringService.SERVICE);
        assertThat(dead.topic()).isEqualTo(Topics.dlq(Topics.IMAGES));
        assertThat(dead.headers()).containsEntry(ImageScorer.HEADER_ID, "id-b")
                .containsEntry(DeadLetter.HEADER_REASON_CODE, RejectReason.DECOMPRESSION_BOMB.name());
    }

    @Test
    void anOversizedRecordIsRefusedBeforeDecodingAndTheConfiguredModeApplies() throws Exception {
        byte[] crop = Photos.crop("female/asian/13.jpg");
        BatchResult small = scorer(true, 1000).score(List.of(record(0, "big", crop, Map.of())), model, null, null);
        assertThat(small.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
            assertThat(d.message()).contains("exceeds");
        });
        // configured as aligned crops: no header needed; a header saying false sends it through detection instead
        BatchResult aligned = scorer(true, 10_000_000).score(List.of(record(0, "a", crop, Map.of()),
                record(1, "b", crop, Map.of(ImageScorer.HEADER_ALIGNED, "false"))), model, null, null);
        EventCodec<ImageScored> codec = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION);
        assertThat(codec.decode(aligned.outputs().get(0).value()).facePolicy()).isEqualTo(ImageScored.POLICY_ALREADY_ALIGNED);
        assertThat(codec.decode(aligned.outputs().get(1).value()).facePolicy()).isEqualTo(ImageScored.POLICY_LARGEST);
    }

    @Test
    void aPhotoAskingForAnExplanationGetsItsScoreAndAPngOverlayWithItsMetadata() throws Exception {
        byte[] crop = Photos.crop("female/asian/13.jpg");
        ImageScorer scorer = new ImageScorer(new ImageScorer.Settings(Topics.IMAGES_SCORED, true, 10_000_000, false,
                Topics.IMAGES_EXPLAINED), new FaceCropper(new ImageDecoder(), detector,
                new FaceAligner(FaceAligner.Geometry.mebeauty())),
                new Explainer(new io.quorum.faces.explain.OcclusionSensitivity.Settings(56, 28, 16)));
        Map<String, String> ask = new java.util.HashMap<>(Photos.headers("id-e", "image/jpeg", true));
        ask.put(ImageScorer.HEADER_EXPLAIN, "occlusion");
        Map<String, String> bad = new java.util.HashMap<>(ask);
        bad.put(ImageScorer.HEADER_EXPLAIN, "gradcam-please");
        BatchResult r = scorer.score(List.of(record(0, "e", crop, ask), record(1, "plain", crop, Map.of()),
                record(2, "bad", crop, bad)), model, null, null);
        assertThat(reasonOf(r, "bad")).isEqualTo(RejectReason.INVALID_VALUE);
        // two scores (in order), then the one explanation, keyed like its photo
        assertThat(r.outputs()).extracting(o -> o.topic()).containsExactly(Topics.IMAGES_SCORED, Topics.IMAGES_EXPLAINED,
                Topics.IMAGES_SCORED);
        var explained = r.outputs().get(1);
        assertThat(explained.key()).isEqualTo("e");
        EventCodec<ImageScored> codec = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION);
        double score = codec.decode(r.outputs().get(0).value()).score();
        assertThat(explained.headers()).containsEntry(ImageScorer.HEADER_ID, "id-e")
                .containsEntry(Explainer.HEADER_MODEL_VERSION, "4").containsEntry(Explainer.HEADER_PATCH, "56")
                .containsEntry(Explainer.HEADER_STRIDE, "28").containsEntry(Explainer.HEADER_GRID, "7x7")
                .containsEntry(ImageScorer.HEADER_CONTENT_TYPE, "image/png");
        assertThat(Double.parseDouble(explained.headers().get(Explainer.HEADER_SCORE))).isCloseTo(score,
                org.assertj.core.data.Offset.offset(1e-3));
        assertThat(Double.parseDouble(explained.headers().get(Explainer.HEADER_MAX_CHANGE))).isGreaterThan(0);
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(explained.value()));
        assertThat(png.getWidth()).isEqualTo(model.size());
        assertThat(png.getHeight()).isEqualTo(model.size());
    }

    private static RejectReason reasonOf(BatchResult r, String key) {
        return r.deadLetters().stream().filter(d -> key.equals(d.source().key())).findFirst().orElseThrow().reason();
    }
}
