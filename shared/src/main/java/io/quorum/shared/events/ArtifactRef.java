package io.quorum.shared.events;

/**
 * One stored file of a model version, addressed by URI and verified by content hash.
 *
 * @param name      file name within the version ({@code model.onnx}, {@code model-card.json}, ...)
 * @param uri       where the store keeps it ({@code file:...}; other schemes for other stores)
 * @param sha256    lower-case hex SHA-256 of the content
 * @param sizeBytes content length
 */
public record ArtifactRef(String name, String uri, String sha256, long sizeBytes) {

    public ArtifactRef {
        Checks.requiredText(name, "name");
        Checks.requiredText(uri, "uri");
        Checks.requiredText(sha256, "sha256");
    }
}
