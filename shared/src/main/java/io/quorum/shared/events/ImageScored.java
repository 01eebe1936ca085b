package io.quorum.shared.events;

import java.util.List;

/**
 * A photo was scored ({@code quorum.images.scored}, keyed by {@code imageId}): one record per photo accepted on
 * {@code quorum.images}; refused photos go to {@code quorum.images.dlq} with a {@link RejectReason} instead.
 *
 * @param imageId      the photo's id (the CloudEvents {@code ce_id} header of the input record)
 * @param source       the input's {@code ce_source} (the app or camera that published it)
 * @param score        the model's score on the data set's scale ({@code scaleMin}..{@code scaleMax}; not clipped)
 * @param scaleMin     the lowest score of the model's data set scale (MEBeauty: 1)
 * @param scaleMax     the highest (MEBeauty: 10)
 * @param width        the decoded photo's width in pixels
 * @param height       its height
 * @param facesFound   faces the detector found (1 for inputs already aligned, where detection is skipped)
 * @param facePolicy   which face was scored: {@code largest} (of {@code facesFound}) or {@code already-aligned}
 * @param face         the scored face's box and landmarks in photo pixels; null for already-aligned inputs
 * @param model        the scorer's model name and {@code modelVersion}
 * @param scoredAt     epoch milliseconds
 */
public record ImageScored(int schemaVersion, String imageId, String source, double score, double scaleMin,
                          double scaleMax, int width, int height, int facesFound, String facePolicy, FaceBox face,
                          String model, int modelVersion, long scoredAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;
    /** The largest detected face was scored. */
    public static final String POLICY_LARGEST = "largest";
    /** The input was an aligned crop: detection and alignment were skipped. */
    public static final String POLICY_ALREADY_ALIGNED = "already-aligned";

    public ImageScored {
        Checks.requiredText(imageId, "imageId");
        Checks.requiredText(facePolicy, "facePolicy");
        Checks.requiredText(model, "model");
    }

    /**
     * A detected face in photo pixels.
     *
     * @param x          left edge
     * @param y          top edge
     * @param width      box width
     * @param height     box height
     * @param confidence the detector's score in [0, 1]
     * @param landmarks  the detector's keypoints in its order (BlazeFace: right eye, left eye, nose tip, mouth centre,
     *                   right ear tragion, left ear tragion; the subject's left/right)
     */
    public record FaceBox(double x, double y, double width, double height, double confidence, List<Point> landmarks) {
        public FaceBox {
            landmarks = landmarks == null ? List.of() : List.copyOf(landmarks);
        }
    }

    /** A point in photo pixels. */
    public record Point(double x, double y) {
    }
}
