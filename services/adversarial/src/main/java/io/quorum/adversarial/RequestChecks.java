package io.quorum.adversarial;

import io.quorum.shared.data.DataFiles;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.model.Hashing;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.data.DigitSets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Decodes an attack request and checks everything that needs no model: the attack is known, its parameters parse
 * and lie in range, the image is a well-formed image of finite intensities in [0, 1] with a label, the data set lies
 * in the data directory and exists, limits hold. A failure is an {@link InvalidEventException} with the reason code
 * the dead letter carries. Checks against the model (image size, classes, a gradient graph for white-box attacks)
 * come once it is loaded ({@link AttackProcessor}).
 */
final class RequestChecks {

    /** The attack that evolves images from noise instead of perturbing given ones. */
    static final String FOOLING = "fooling";
    /** The data-set parameter: attack only the first {@code limit} images. */
    static final String LIMIT = "limit";

    private static final EventCodec<AttackRequested> CODEC = EventCodec.of(AttackRequested.class,
            AttackRequested.SCHEMA_VERSION);

    private final AttackCatalog attacks;
    private final Path dataDir;
    private final int maxImages;
    private final long maxQueries;

    RequestChecks(AttackCatalog attacks, Path dataDir, int maxImages, long maxQueries) {
        this.attacks = attacks;
        this.dataDir = dataDir;
        this.maxImages = maxImages;
        this.maxQueries = maxQueries;
    }

    Job check(InRecord record) throws InvalidEventException {
        AttackRequested r = CODEC.decode(record.value());
        AttackCatalog.Kind attack = attacks.find(r.attack()).orElseThrow(() -> new InvalidEventException(
                RejectReason.UNSUPPORTED_ATTACK, "unknown attack '" + r.attack() + "'; this service runs "
                + String.join(", ", attacks.names())));
        AttackParams params;
        try {
            params = AttackParams.parse(r.params());
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, e.getMessage());
        }
        if (params.maxQueries() > maxQueries) {
            if (r.params().containsKey("max-queries") && !attack.whiteBox()) {
                throw new InvalidEventException(RejectReason.LIMIT_EXCEEDED, "max-queries " + params.maxQueries()
                        + " is above this service's limit of " + maxQueries + " per image");
            }
            // the library's default budget is above this service's: the service's limit applies
            params = new AttackParams(params.eps(), params.steps(), params.stepSize(), params.randomStart(), params.target(),
                    params.population(), params.generations(), maxQueries, params.confidence(), params.mutation());
        }
        ModelRef target = ModelRef.of(r.model(), r.follow());
        ModelRef source = r.sourceModel() == null || r.sourceModel().isBlank() ? null : ModelRef.parseSource(r.sourceModel());
        boolean fooling = attack.name().equals(FOOLING);
        String limitText = r.params().get(LIMIT);
        if (limitText != null && r.dataset() == null) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "'" + LIMIT + "' applies to data-set requests only");
        }
        if (fooling) {
            if (r.image() != null || r.dataset() != null) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE,
                        "fooling images are evolved from noise: give neither 'image' nor 'dataset'");
            }
            return new Job(record, r, attack, params, target, source, null, null, null, -1);
        }
        if (r.image() != null) {
            if (r.label() == null) {
                throw new InvalidEventException(RejectReason.MISSING_FIELD, "missing required field: label (the image's"
                        + " true class; only fooling requests have none)");
            }
            if (r.label() < 0) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "label " + r.label() + " is not a class");
            }
            return new Job(record, r, attack, params, target, source, intensities(r.image()), r.label(), null, -1);
        }
        int limit = limit(limitText);
        return new Job(record, r, attack, params, target, source, null, null, dataset(r.dataset()), limit);
    }

    /** The image's intensities, or the reason they are unusable. */
    static float[] intensities(DigitImage image) throws InvalidEventException {
        int n = image.width() * image.height();
        if (image.values() != null) {
            if (image.values().dim() != n) {
                throw new InvalidEventException(RejectReason.WRONG_DIMENSION, image.width() + "x" + image.height()
                        + " image needs " + n + " values, got " + image.values().dim());
            }
            int bad = image.values().firstNonFinite();
            if (bad >= 0) {
                throw new InvalidEventException(RejectReason.NON_FINITE, "image value " + bad + " is "
                        + image.values().get(bad));
            }
        } else {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(image.pixels());
            } catch (IllegalArgumentException e) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "'pixels' is not base64: " + e.getMessage());
            }
            if (bytes.length != n) {
                throw new InvalidEventException(RejectReason.WRONG_DIMENSION, image.width() + "x" + image.height()
                        + " image needs " + n + " pixels, got " + bytes.length);
            }
        }
        try {
            return image.intensities();
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "image: " + e.getMessage());
        }
    }

    private int limit(String text) throws InvalidEventException {
        if (text == null) {
            return -1;
        }
        int limit;
        try {
            limit = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "'" + LIMIT + "' must be a whole number, not '"
                    + text + "'");
        }
        if (limit < 1) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "'" + LIMIT + "' must be at least 1, not " + limit);
        }
        if (limit > maxImages) {
            throw new InvalidEventException(RejectReason.LIMIT_EXCEEDED, "'" + LIMIT + "' " + limit
                    + " is above this service's limit of " + maxImages + " images per request");
        }
        return limit;
    }

    /** Resolves a data-set reference inside the data directory; both files must exist there. */
    Job.Dataset dataset(String reference) throws InvalidEventException {
        String ref = reference.trim();
        Path[] files;
        try {
            files = DigitSets.files(ref, dataDir);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, e.getMessage());
        }
        int bar = ref.indexOf('|');
        String[] given = bar < 0
                ? new String[] {relative(files[0]), relative(files[1])}
                : new String[] {ref.substring(0, bar), ref.substring(bar + 1)};
        Path[] confined = new Path[2];
        for (int i = 0; i < 2; i++) {
            try {
                confined[i] = DataFiles.confine(dataDir, given[i]);
            } catch (DataFiles.RefusedException e) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "data set '" + ref + "': " + e.getMessage());
            }
        }
        List<String> names = new ArrayList<>();
        for (Path p : confined) {
            names.add(realRelative(p));
        }
        return new Job.Dataset(ref, confined[0], confined[1], slug(ref), List.copyOf(names));
    }

    private String realRelative(Path real) {
        try {
            return dataDir.toRealPath().relativize(real).toString();
        } catch (java.io.IOException e) {
            return real.getFileName().toString();
        }
    }

    private String relative(Path file) {
        return dataDir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize()).toString();
    }

    /** A data-set reference as a part of a store name. */
    static String slug(String ref) {
        if (ref.indexOf('|') < 0) {
            String s = ref.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
            if (!s.isEmpty() && s.length() <= 32) {
                return s;
            }
        }
        return "files-" + Hashing.sha256(ref.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }
}
