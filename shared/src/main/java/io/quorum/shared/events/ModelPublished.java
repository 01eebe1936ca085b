package io.quorum.shared.events;

import java.util.List;
import java.util.Map;

/**
 * A new, immutable model version exists in the store. Keyed {@code <name>/v<version>} on {@code quorum.models}.
 *
 * @param name        model name ({@code pair-scorer}, {@code minilm}, ...)
 * @param version     monotonic per name, starting at 1
 * @param alias       alias pointed at this version on publication ({@code champion}, {@code candidate}), or null
 * @param uri         URI of the primary artifact ({@code model.onnx})
 * @param sha256      SHA-256 of the primary artifact
 * @param sizeBytes   size of the primary artifact
 * @param artifacts   every artifact of the version, the primary included
 * @param signature   inputs and outputs of the primary artifact
 * @param metrics     evaluation metrics (validation accuracy, log loss, ...)
 * @param lineage     parent version, data and code that produced it
 * @param properties  model properties services rely on (threshold, embedder, dimension, ...)
 * @param publishedAt epoch milliseconds
 */
public record ModelPublished(
        int schemaVersion,
        String name,
        int version,
        String alias,
        String uri,
        String sha256,
        long sizeBytes,
        List<ArtifactRef> artifacts,
        ModelSignature signature,
        Map<String, Double> metrics,
        Lineage lineage,
        Map<String, String> properties,
        long publishedAt) implements ModelEvent {

    public static final int SCHEMA_VERSION = 1;

    public ModelPublished {
        Checks.requiredText(name, "name");
        Checks.check(version >= 1, "version must be >= 1, got " + version);
        Checks.requiredText(uri, "uri");
        Checks.requiredText(sha256, "sha256");
        Checks.required(signature, "signature");
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
        properties = properties == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }

    @Override
    public String key() {
        return keyOf(name, version);
    }

    public static String keyOf(String name, int version) {
        return name + "/v" + version;
    }

    /** The same version announced with a different alias (used by the CLI and tests). */
    public ModelPublished withAlias(String newAlias) {
        return new ModelPublished(schemaVersion, name, version, newAlias, uri, sha256, sizeBytes, artifacts, signature,
                metrics, lineage, properties, publishedAt);
    }
}
