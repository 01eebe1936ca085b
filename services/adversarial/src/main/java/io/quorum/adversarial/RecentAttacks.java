package io.quorum.adversarial;

import io.quorum.vision.picture.DigitGrid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last requests this instance answered, kept for their pictures ({@code GET /attacks/{requestId}/grid.png}):
 * per request its first {@code imagesPerRequest} clean/adversarial pairs with the target's verdicts. Bounded: the
 * oldest request is forgotten beyond {@code requests}. In memory and per instance: a request answered by another
 * replica, or before a restart, is not here.
 */
final class RecentAttacks {

    /** What a picture of one request shows. */
    record Picture(String title, List<DigitGrid.Entry> entries, int height, int width, List<String> classes) {
    }

    private final int imagesPerRequest;
    private final Map<String, Picture> byRequest;

    RecentAttacks(int requests, int imagesPerRequest) {
        if (requests < 0 || imagesPerRequest < 1) {
            throw new IllegalArgumentException("recent requests must be >= 0 and images per picture >= 1");
        }
        this.imagesPerRequest = imagesPerRequest;
        this.byRequest = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Picture> eldest) {
                return size() > requests;
            }
        };
    }

    /** Most pairs kept per request. */
    int imagesPerRequest() {
        return imagesPerRequest;
    }

    synchronized void remember(String requestId, Picture picture) {
        List<DigitGrid.Entry> e = picture.entries();
        byRequest.put(requestId, e.size() <= imagesPerRequest ? picture : new Picture(picture.title(),
                List.copyOf(e.subList(0, imagesPerRequest)), picture.height(), picture.width(), picture.classes()));
    }

    synchronized Optional<Picture> get(String requestId) {
        return Optional.ofNullable(byRequest.get(requestId));
    }

    synchronized int size() {
        return byRequest.size();
    }
}
