package io.quorum.faces.model;

import ai.onnxruntime.OrtException;
import io.quorum.faces.image.Images;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The faceres (HSE-FaceRes) 1024-d descriptor of face crops: each crop is resized to 224x224 and fed as RGB 0..255
 * NHWC (the convention of human's {@code faceres.ts}); the descriptor is the global average pool before the age and
 * gender heads.
 */
public final class FaceresEmbedder implements AutoCloseable {

    public static final int SIZE = 224;
    public static final int DIM = 1024;

    private final OnnxSession session;

    public FaceresEmbedder(OnnxSession session) {
        this.session = session;
    }

    public static FaceresEmbedder open(int threads) throws OrtException {
        return new FaceresEmbedder(FaceModels.open(FaceModel.FACERES, InferenceOptions.cpu(threads)));
    }

    /** The crops as the model's input tensor {@code [N, 224, 224, 3]}. */
    public static FloatTensor input(List<BufferedImage> crops) {
        float[] x = new float[crops.size() * SIZE * SIZE * 3];
        for (int i = 0; i < crops.size(); i++) {
            Images.toNhwc(Images.resize(crops.get(i), SIZE, SIZE), 1f, 0f, x, i * SIZE * SIZE * 3);
        }
        return FloatTensor.of(x, crops.size(), SIZE, SIZE, 3);
    }

    /** One 1024-d descriptor per crop. */
    public float[][] descriptors(List<BufferedImage> crops) throws OrtException {
        if (crops.isEmpty()) {
            return new float[0][];
        }
        return session.runFloat(java.util.Map.of("image", input(crops)), "descriptor").rows();
    }

    @Override
    public void close() {
        session.close();
    }
}
