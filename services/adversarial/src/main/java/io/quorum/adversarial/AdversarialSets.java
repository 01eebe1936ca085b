package io.quorum.adversarial;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.ModelStore;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adversarial data sets in the model store: each is a version of {@code <prefix>-<dataset>-<attack>} holding the
 * IDX images (by default {@code <name>-images-idx3-float.gz}, IDX float32: the adversarials exactly as attacked and
 * scored; or {@code <name>-images-idx3-ubyte.gz}, intensities rounded to 1/255 for tools that read only MNIST's
 * 8-bit IDX), the IDX labels ({@code <name>-labels-idx1-ubyte.gz}) and {@value #CARD} (lineage and figures). The store allocates the
 * version and writes the manifest last, so a set is complete or invisible. A redelivered request (same request id,
 * same images and labels) gets the version stored the first time instead of a copy.
 */
final class AdversarialSets {

    static final String CARD = "card.json";
    static final String IMAGES_SUFFIX = "-images-idx3-ubyte.gz";
    static final String FLOAT_IMAGES_SUFFIX = "-images-idx3-float.gz";
    static final String LABELS_SUFFIX = "-labels-idx1-ubyte.gz";
    /** How many recent versions are searched for the same request. */
    private static final int DEDUPE_DEPTH = 20;

    /** A stored adversarial data set. */
    record Stored(String name, int version, ArtifactRef images, ArtifactRef labels, ArtifactRef card, boolean reused) {

        /** What {@code AttackCompleted.dataset} says about it. */
        Map<String, String> describe() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(AttackCompleted.DATASET_NAME, name);
            m.put(AttackCompleted.DATASET_VERSION, Integer.toString(version));
            m.put(AttackCompleted.DATASET_IMAGES, images.uri());
            m.put(AttackCompleted.DATASET_IMAGES + AttackCompleted.SHA256_SUFFIX, images.sha256());
            m.put(AttackCompleted.DATASET_LABELS, labels.uri());
            m.put(AttackCompleted.DATASET_LABELS + AttackCompleted.SHA256_SUFFIX, labels.sha256());
            m.put(AttackCompleted.DATASET_CARD, card.uri());
            m.put(AttackCompleted.DATASET_CARD + AttackCompleted.SHA256_SUFFIX, card.sha256());
            return m;
        }
    }

    private final FileSystemModelStore store;
    private final DigitSets.ImageEncoding encoding;

    AdversarialSets(FileSystemModelStore store, DigitSets.ImageEncoding encoding) {
        this.store = store;
        this.encoding = encoding;
    }

    /** How the images are stored. */
    DigitSets.ImageEncoding encoding() {
        return encoding;
    }

    /** True when the stored images are rounded to 1/255, so they may score differently from the attacked ones. */
    boolean rounds() {
        return encoding == DigitSets.ImageEncoding.UNSIGNED_BYTE;
    }

    /** The store name of the set made by {@code attack} from {@code datasetSlug}. */
    static String name(String prefix, String datasetSlug, String attack) {
        String n = (prefix + "-" + datasetSlug + "-" + attack).toLowerCase(java.util.Locale.ROOT);
        return n.length() <= 64 ? n : n.substring(0, 64);
    }

    /**
     * Stores {@code set} as a new version of {@code name} with {@code card} (which must carry {@code requestId}), or
     * returns the version a previous delivery of the same request stored with the same images and labels.
     */
    Stored store(String name, DigitSet set, Map<String, Object> card, String requestId) throws IOException {
        try (TempDir tmp = TempDir.create("adversarial-set-")) {
            Path[] idx = DigitSets.writeIdx(set, tmp.path(), name, encoding);
            String imagesSha = Hashing.sha256(idx[0]);
            String labelsSha = Hashing.sha256(idx[1]);
            Stored previous = find(name, requestId, imagesSha, labelsSha);
            if (previous != null) {
                return previous;
            }
            Path cardFile = tmp.resolve(CARD);
            Files.writeString(cardFile, Json.toPrettyString(card), StandardCharsets.UTF_8);
            ModelStore.StoredVersion v = store.put(name, List.of(
                    new ModelStore.Artifact(idx[0].getFileName().toString(), idx[0]),
                    new ModelStore.Artifact(name + LABELS_SUFFIX, idx[1]),
                    new ModelStore.Artifact(CARD, cardFile)));
            return stored(v, false);
        }
    }

    private Stored find(String name, String requestId, String imagesSha, String labelsSha) throws IOException {
        List<Integer> versions = store.versions(name);
        for (int i = versions.size() - 1; i >= Math.max(0, versions.size() - DEDUPE_DEPTH); i--) {
            ModelStore.StoredVersion v = store.read(name, versions.get(i));
            Stored s;
            try {
                s = stored(v, true);
            } catch (IllegalArgumentException e) {
                continue; // not one of ours
            }
            if (s.images().sha256().equals(imagesSha) && s.labels().sha256().equals(labelsSha)) {
                JsonNode card = Json.mapper().readTree(Path.of(URI.create(s.card().uri())).toFile());
                if (requestId.equals(card.path("requestId").asText(null))) {
                    return s;
                }
            }
        }
        return null;
    }

    private static Stored stored(ModelStore.StoredVersion v, boolean reused) {
        boolean exact = v.artifacts().stream().anyMatch(a -> a.name().equals(v.name() + FLOAT_IMAGES_SUFFIX));
        return new Stored(v.name(), v.version(), v.artifact(v.name() + (exact ? FLOAT_IMAGES_SUFFIX : IMAGES_SUFFIX)),
                v.artifact(v.name() + LABELS_SUFFIX), v.artifact(CARD), reused);
    }
}
