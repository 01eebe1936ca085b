package io.quorum.imagescoring;

import static org.awaitility.Awaitility.await;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.RegistryState;
import io.quorum.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The set-up of the service ITs: the default scorer ({@link Photos#defaultModel()}) serving. */
final class DefaultScorer {

    private DefaultScorer() {
    }

    /**
     * Publishes the default scorer as the champion and waits until {@code service} serves it, unless a version serves
     * already (the ITs share one application and one broker).
     */
    static void ensureServing(ImageScoringService service) throws Exception {
        if (service.manager().servingVersion() != 0) {
            return;
        }
        ModelPublished v;
        try (TempDir tmp = TempDir.create("image-scorer-")) {
            Path file = tmp.resolve("model.onnx");
            Files.write(file, Photos.defaultModel());
            v = TestRegistry.publisher().publish(new ModelPublisher.Request(ImageScorerSpec.MODEL_NAME, file, null,
                    Map.of("plcc", 0.67), new Lineage(null, "test", "mebeauty", null, "test", 0L), Map.of(),
                    RegistryState.ALIAS_CHAMPION));
        }
        int version = v.version();
        await().atMost(Duration.ofSeconds(90)).until(() -> service.manager().servingVersion() == version);
    }
}
