package io.quorum.shared.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.DeviceUnavailableException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the primary ONNX artifact of a version into an {@link OnnxSession} and checks it: the announced signature
 * must match the session's, then the service's {@link Contract} checks that the model fits the service and runs
 * a smoke inference.
 */
public final class OnnxModelLoader implements ModelLoader<OnnxModelLoader.Loaded> {

    /** What a service requires of a model beyond loading: shapes it can feed, outputs it reads, sane outputs. */
    @FunctionalInterface
    public interface Contract {
        /** Throws {@link ModelRejectedException} (check {@code contract} or {@code smoke}) if the model does not fit. */
        void check(OnnxSession session, ModelPublished meta) throws ModelRejectedException;
    }

    /** A verified ONNX model version with its session. */
    public record Loaded(ModelPublished meta, OnnxSession session) implements AutoCloseable {
        @Override
        public void close() {
            session.close();
        }
    }

    private final InferenceOptions options;
    private final Contract contract;

    public OnnxModelLoader(InferenceOptions options, Contract contract) {
        this.options = options;
        this.contract = contract;
    }

    @Override
    public Loaded load(ModelPublished meta, Path dir) throws ModelRejectedException {
        Path file = dir.resolve(ModelPublisher.PRIMARY);
        OnnxSession session;
        try {
            session = OnnxSession.open(file, options);
        } catch (OrtException e) {
            throw new ModelRejectedException("load", "ONNX Runtime cannot load the model (corrupt or unsupported file): "
                    + e.getMessage(), e);
        } catch (DeviceUnavailableException e) {
            throw new ModelRejectedException("load", e.getMessage(), e);
        }
        try {
            List<String> mismatches = meta.signature().mismatches(session.signature());
            if (!mismatches.isEmpty()) {
                throw new ModelRejectedException("signature", "announced signature does not match the model: "
                        + String.join("; ", mismatches));
            }
            contract.check(session, meta);
            return new Loaded(meta, session);
        } catch (ModelRejectedException | RuntimeException e) {
            session.close();
            throw e;
        }
    }
}
