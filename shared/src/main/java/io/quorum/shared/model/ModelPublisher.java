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
 * Stores a model version and announces it, in two steps: {@link #store} puts the artifacts in the {@link ModelStore}
 * (which allocates the version) and returns the {@link ModelPublished} to announce, with the signature read from the
 * ONNX file itself; {@link #announce} appends announcements to the registry. A version stored but never announced is
 * invisible to services, which follow the registry. {@link #publish} does both for one model, {@link #publishAll}
 * for a set that must appear together (a model and its companions): every set is stored first, then all are
 * announced in one registry transaction.
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
    private final RegistryClient registry;

    public ModelPublisher(ModelStore store, RegistryClient registry) {
        this.store = store;
        this.registry = registry;
    }

    /** Stores one version and announces it. */
    public ModelPublished publish(Request request) throws IOException {
        ModelPublished event = store(request);
        registry.publish(event);
        return event;
    }

    /**
     * Stores every version of {@code requests}, then announces them all in one registry transaction, in the order
     * given: readers see all of them or none. When the announcement fails, the stored versions stay in the store,
     * unannounced and so never served, and the exception says so.
     */
    public List<ModelPublished> publishAll(List<Request> requests) throws IOException {
        List<ModelPublished> events = new ArrayList<>();
        for (Request r : requests) {
            events.add(store(r));
        }
        announce(events);
        return events;
    }

    /**
     * Stores the artifacts of one version (the store allocates its number) and returns the announcement, not yet
     * published. Throws when the primary artifact is not a loadable ONNX model.
     */
    public ModelPublished store(Request request) throws IOException {
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
        return new ModelPublished(ModelPublished.SCHEMA_VERSION, request.name(), stored.version(),
                request.alias(), primary.uri(), primary.sha256(), primary.sizeBytes(), stored.artifacts(), signature,
                request.metrics(), request.lineage(), request.properties(), System.currentTimeMillis());
    }

    /** Announces stored versions: one event alone, several in one registry transaction (all visible or none). */
    public void announce(List<ModelPublished> events) {
        if (events.size() == 1) {
            registry.publish(events.get(0));
        } else {
            registry.publishAll(events);
        }
    }
}
