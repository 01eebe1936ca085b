package io.quorum.imagescoring;

import io.quorum.faces.explain.OcclusionSensitivity;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.ImageScorerSpec;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Occlusion-sensitivity explanations with the served model: the aligned crop's map ({@link OcclusionSensitivity},
 * occluded variants scored in batches of the served session) rendered as a PNG heat-map overlay. Plain logic.
 */
final class Explainer {

    /** Header naming the image (as on the input). */
    static final String HEADER_ID = ImageScorer.HEADER_ID;
    static final String HEADER_CONTENT_TYPE = ImageScorer.HEADER_CONTENT_TYPE;
    static final String HEADER_METHOD = "quorum_explain";
    static final String HEADER_MODEL = "quorum_model";
    static final String HEADER_MODEL_VERSION = "quorum_model_version";
    static final String HEADER_PATCH = "quorum_patch";
    static final String HEADER_STRIDE = "quorum_stride";
    static final String HEADER_GRID = "quorum_grid";
    static final String HEADER_SCORE = "quorum_score";
    static final String HEADER_MAX_CHANGE = "quorum_max_change";
    static final String METHOD = "occlusion";

    /** One explanation: the map, the PNG overlay and its metadata headers. */
    record Explanation(OcclusionSensitivity.Map map, byte[] png, Map<String, String> headers) {
    }

    private final OcclusionSensitivity.Settings settings;

    Explainer(OcclusionSensitivity.Settings settings) {
        this.settings = settings;
    }

    OcclusionSensitivity.Settings settings() {
        return settings;
    }

    /** Explains one aligned crop with {@code model}; {@code settings} overrides this explainer's (HTTP), or null. */
    Explanation explain(String imageId, BufferedImage crop, ScoringModel model, OcclusionSensitivity.Settings override)
            throws Exception {
        OcclusionSensitivity.Settings s = override != null ? override : settings;
        OcclusionSensitivity.Map map = OcclusionSensitivity.compute(crop, model.size(), s,
                (x, n) -> ImageScorerSpec.score(model.session(), x, n, model.size()));
        byte[] png = OcclusionSensitivity.png(OcclusionSensitivity.overlay(crop, map, 0.45f));
        Map<String, String> h = new LinkedHashMap<>();
        h.put(HEADER_ID, imageId);
        h.put(HEADER_CONTENT_TYPE, "image/png");
        h.put(HEADER_METHOD, METHOD);
        h.put(HEADER_MODEL, model.meta().name());
        h.put(HEADER_MODEL_VERSION, Integer.toString(model.meta().version()));
        h.put(HEADER_PATCH, Integer.toString(s.patch()));
        h.put(HEADER_STRIDE, Integer.toString(s.stride()));
        h.put(HEADER_GRID, map.rows() + "x" + map.cols());
        h.put(HEADER_SCORE, String.format(Locale.ROOT, "%.6f", map.baseline()));
        h.put(HEADER_MAX_CHANGE, String.format(Locale.ROOT, "%.6f", map.maxChange()));
        return new Explanation(map, png, h);
    }

    /** The explanation as a record: the PNG as the raw value, its metadata in headers, keyed like the input. */
    static OutRecord record(String topic, String key, Explanation e) {
        return new OutRecord(topic, key, e.png(), e.headers());
    }
}
