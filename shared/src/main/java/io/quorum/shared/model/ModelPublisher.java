package io.quorum.shared.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.inference.OnnxSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stores a model version and announces it: the artifacts go to the {@link ModelStore} (which allocates the
 * version), then a {@link ModelPublished} with the signature read from the ONNX file itself goes to the registry.
 */
public final class ModelPublisher {

    /** File name of the primary artifact of every version. */
    public static final String PRIMARY = "model.onnx";

    /** What to publish. */
    public record Request(String name, Path onnxModel, List<ModelStore.Artifact> extraArtifacts,
                          Map<String, Double> metrics, Lineage lineage, Map<String, String> properties, String alias) {
        public Request {
            extraArtifacts = extraArtifacts == null ? List.of() : List.copyOf(extraArtifacts);
        }
    }

    private final ModelStore store;
    private final ModelRegistry registry;

    public ModelPublisher(ModelStore store, ModelRegistry registry) {
        this.store = store;
        this.registry = registry;
    }

    public ModelPublished publish(Request request) throws IOException {
        ModelSignature signature;
        try {
            signature = OnnxSession.inspect(request.onnxModel());
        } catch (OrtException e) {
            throw new IOException("not a loadable ONNX model: " + request.onnxModel() + ": " + e.getMessage(), e);
        }
        List<ModelStore.Artifact> artifacts = new ArrayList<>();
        artifacts.add(new ModelStore.Artifact(PRIMARY, request.onnxModel()));
        artifacts.addAll(request.extraArtifacts());
        ModelStore.StoredVersion stored = store.put(request.name(), artifacts);
        ArtifactRef primary = stored.artifact(PRIMARY);
        ModelPublished event = new ModelPublished(ModelPublished.SCHEMA_VERSION, request.name(), stored.version(),
                request.alias(), primary.uri(), primary.sha256(), primary.sizeBytes(), stored.artifacts(), signature,
                request.metrics(), request.lineage(), request.properties(), System.currentTimeMillis());
        registry.publish(event);
        return event;
    }
}
