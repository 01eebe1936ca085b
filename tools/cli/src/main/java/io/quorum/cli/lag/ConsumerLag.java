package io.quorum.cli.lag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Consumer lag as the broker sees it: for every consumer group (chosen by a predicate on its id), the committed
 * offset of each partition it has committed on, against that partition's log-end offset, read through the Admin API.
 * Unlike a consumer's own {@code records-lag} metric, this keeps counting when the consumer is dead: its committed
 * offsets stay where it stopped while producers move the log end on. A partition the group never committed on is not
 * reported (there is no position to measure from); a group or topic deleted during a read is skipped.
 */
public final class ConsumerLag {

    /** One partition of one group. */
    public record PartitionLag(String group, String topic, int partition, long committed, long logEnd) {
        /** Records between the group's committed offset and the log end (0 when the commit is at or past it). */
        public long lag() {
            return Math.max(0, logEnd - committed);
        }
    }

    /** One group: its state ({@code Stable}, {@code Empty}, ...) and how many members it has now. */
    public record GroupStatus(String group, String state, int members) {
    }

    /** One read of every chosen group. */
    public record Snapshot(List<PartitionLag> partitions, List<GroupStatus> groups, long takenAtMillis) {

        public Snapshot {
            partitions = List.copyOf(partitions);
            groups = List.copyOf(groups);
        }

        /** The summed lag of {@code group} on {@code topic} (0 when it has no committed partition there). */
        public long lag(String group, String topic) {
            return partitions.stream().filter(p -> p.group().equals(group) && p.topic().equals(topic))
                    .mapToLong(PartitionLag::lag).sum();
        }

        /** Whether {@code group} has a committed offset on some partition of {@code topic}. */
        public boolean covers(String group, String topic) {
            return partitions.stream().anyMatch(p -> p.group().equals(group) && p.topic().equals(topic));
        }
    }

    private final Admin admin;
    private final Predicate<String> chosen;
    private final Duration timeout;

    /**
     * @param admin   an admin client of the cluster (from {@code KafkaClients}); not closed here
     * @param chosen  which group ids to report
     * @param timeout the longest one Admin call may take
     */
    public ConsumerLag(Admin admin, Predicate<String> chosen, Duration timeout) {
        this.admin = admin;
        this.chosen = chosen;
        this.timeout = timeout;
    }

    /** Reads the chosen groups' committed offsets, their members and the log ends of their partitions. */
    public Snapshot read() throws InterruptedException, ExecutionException, TimeoutException {
        long now = System.currentTimeMillis();
        Collection<GroupListing> listings = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<String> ids = listings.stream().map(GroupListing::groupId).filter(chosen).sorted().toList();
        if (ids.isEmpty()) {
            return new Snapshot(List.of(), List.of(), now);
        }

        List<GroupStatus> groups = new ArrayList<>();
        Map<String, KafkaFuture<ConsumerGroupDescription>> described = admin.describeConsumerGroups(ids).describedGroups();
        for (String id : ids) {
            ConsumerGroupDescription d = orNull(described.get(id));
            if (d != null) {
                groups.add(new GroupStatus(id, String.valueOf(d.groupState()), d.members().size()));
            }
        }

        Map<String, ListConsumerGroupOffsetsSpec> specs = new LinkedHashMap<>();
        ids.forEach(id -> specs.put(id, new ListConsumerGroupOffsetsSpec()));
        ListConsumerGroupOffsetsResult offsets = admin.listConsumerGroupOffsets(specs);
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new LinkedHashMap<>();
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        for (String id : ids) {
            Map<TopicPartition, OffsetAndMetadata> c = orNull(offsets.partitionsToOffsetAndMetadata(id));
            if (c == null) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
            c.forEach((tp, om) -> {
                if (om != null) {
                    present.put(tp, om);
                    ends.put(tp, OffsetSpec.latest());
                }
            });
            committed.put(id, present);
        }
        if (ends.isEmpty()) {
            return new Snapshot(List.of(), groups, now);
        }

        ListOffsetsResult endResult = admin.listOffsets(ends);
        Map<TopicPartition, Long> logEnd = new HashMap<>();
        for (TopicPartition tp : ends.keySet()) {
            ListOffsetsResult.ListOffsetsResultInfo info = orNull(endResult.partitionResult(tp));
            if (info != null) {
                logEnd.put(tp, info.offset());
            }
        }

        List<PartitionLag> partitions = new ArrayList<>();
        committed.forEach((group, c) -> c.forEach((tp, om) -> {
            Long end = logEnd.get(tp);
            if (end != null) {
                partitions.add(new PartitionLag(group, tp.topic(), tp.partition(), om.offset(), end));
            }
        }));
        partitions.sort(Comparator.comparing(PartitionLag::group).thenComparing(PartitionLag::topic)
                .thenComparingInt(PartitionLag::partition));
        return new Snapshot(partitions, groups, now);
    }

    /**
     * The value of one per-group or per-partition future, or null when that group or topic is gone (deleted between
     * the listing and this call); any other failure (authorisation, timeout) fails the whole read.
     */
    private <T> T orNull(KafkaFuture<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        if (future == null) {
            return null;
        }
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException || e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }
}
