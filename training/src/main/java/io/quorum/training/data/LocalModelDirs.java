package io.quorum.training.data;

import io.quorum.shared.model.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves a model reference as a local version directory ({@code models/digit-classifier-default}, a folder that
 * {@code TrainLocal} wrote or the CLI fetched): in-process runs of jobs (the ablation, {@code TrainLocal}, tests).
 */
public final class LocalModelDirs implements PublishedModels {

    private final Path base;

    /** Relative references resolve against {@code base}. */
    public LocalModelDirs(Path base) {
        this.base = base;
    }

    @Override
    public Resolved resolve(String ref) throws Exception {
        Path dir = base.resolve(ref.trim()).normalize();
        Path model = dir.resolve("model.onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("'" + ref + "' is not a model version directory (no " + model + ")");
        }
        return new Resolved(String.valueOf(dir.getFileName()), null, dir.toString(), dir, Hashing.sha256(model));
    }
}
