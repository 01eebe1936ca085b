package io.quorum.shared.kafka;

import io.quorum.shared.events.RejectReason;
import io.quorum.shared.topics.Topics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A consumed record that could not be processed, bound for {@code <topic>.dlq} with the original key and value
 * and headers saying why. Header names follow SmallRye Reactive Messaging's dead-letter queue, plus
 * {@code quorum-reason-code}.
 */
public record DeadLetter(InRecord source, RejectReason reason, String message) {

    public static final String HEADER_REASON = "dead-letter-reason";
    public static final String HEADER_REASON_CODE = "quorum-reason-code";
    public static final String HEADER_TOPIC = "dead-letter-topic";
    public static final String HEADER_PARTITION = "dead-letter-partition";
    public static final String HEADER_OFFSET = "dead-letter-offset";
    public static final String HEADER_SERVICE = "quorum-service";

    private static final int MAX_REASON = 1000;

    /** The record to produce on the dead-letter topic. */
    public OutRecord toOutRecord(String service) {
        // the source's own headers travel along (an image's CloudEvents ce_id, ce_source, ...); ours win on a clash
        Map<String, String> h = new LinkedHashMap<>(source.headers());
        String msg = message == null ? reason.name() : message;
        h.put(HEADER_REASON, msg.length() > MAX_REASON ? msg.substring(0, MAX_REASON) + "..." : msg);
        h.put(HEADER_REASON_CODE, reason.name());
        h.put(HEADER_TOPIC, source.topic());
        h.put(HEADER_PARTITION, Integer.toString(source.partition()));
        h.put(HEADER_OFFSET, Long.toString(source.offset()));
        if (service != null) {
            h.put(HEADER_SERVICE, service);
        }
        return new OutRecord(Topics.dlq(source.topic()), source.key(), source.value(), h);
    }
}
