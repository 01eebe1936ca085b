package io.quorum.imagescoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.faces.probe.Ridge;
import io.quorum.faces.scorer.ImageScorerModel;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.ImageScored;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A new champion is swapped in between batches: the same photo scored before and after a version whose head is the
 * default's plus one scores exactly one higher, under the new version number; a version that breaks the contract
 * is refused and the last good one keeps serving.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class HotSwapIT {

    @Inject
    ImageScoringService service;

    private static int publish(byte[] onnx) throws Exception {
        try (TempDir tmp = TempDir.create("image-scorer-")) {
            Path file = tmp.resolve("model.onnx");
            java.nio.file.Files.write(file, onnx);
            return TestRegistry.publisher().publish(new ModelPublisher.Request(ImageScorerSpec.MODEL_NAME, file, null,
                    Map.of("test", 1.0), new Lineage(null, "test", "mebeauty", null, "test", 0L), Map.of(),
                    RegistryState.ALIAS_CHAMPION)).version();
        }
    }

    private static ImageScored scoreOnce(String prefix, String tag, byte[] crop) throws Exception {
        EventCodec<ImageScored> codec = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION);
        try (TopicReader out = TopicReader.fromNow(Topics.IMAGES_SCORED); TestProducer producer = new TestProducer()) {
            producer.send(Topics.IMAGES, prefix + tag, crop, Photos.headers(prefix + tag, "image/jpeg", true));
            producer.flush();
            var r = out.await(1, Duration.ofSeconds(90), x -> (prefix + tag).equals(x.key()));
            return codec.decode(r.get(0).value());
        }
    }

    @Test
    void aNewChampionServesTheNextBatchAndABrokenOneIsRefused() throws Exception {
        Path head = Path.of("../../models/image-scorer-default/head.json");
        Ridge.Linear base = ImageScorerModel.readHead(head);
        int v1 = publish(ImageScorerModel.fromHead(head, Map.of()));
        await().atMost(Duration.ofSeconds(90)).until(() -> service.manager().servingVersion() == v1);
        String prefix = "swap-" + UUID.randomUUID() + "-";
        byte[] crop = Photos.crop("female/asian/13.jpg");
        ImageScored before = scoreOnce(prefix, "before", crop);
        assertThat(before.modelVersion()).isEqualTo(v1);

        Ridge.Linear plusOne = new Ridge.Linear(base.weights(), base.bias() + 1);
        int v2 = publish(ImageScorerModel.fuse(FaceModels.bytes(FaceModel.FACERES), plusOne, Map.of()).toBytes());
        await().atMost(Duration.ofSeconds(90)).until(() -> service.manager().servingVersion() == v2);
        ImageScored after = scoreOnce(prefix, "after", crop);
        assertThat(after.modelVersion()).isEqualTo(v2);
        assertThat(after.score() - before.score()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));

        // the bare backbone (no score output) is not an image scorer: refused, v2 keeps serving
        int broken = publish(FaceModels.bytes(FaceModel.FACERES));
        await().atMost(Duration.ofSeconds(90)).until(() -> service.manager().status().versions().stream()
                .anyMatch(v -> v.version() == broken && v.state() == io.quorum.shared.model.ModelManager.LoadState.REFUSED
                        && "contract".equals(v.failedCheck())));
        ImageScored still = scoreOnce(prefix, "still", crop);
        assertThat(still.modelVersion()).isEqualTo(v2);
        assertThat(service.manager().servingVersion()).isEqualTo(v2);
    }
}
