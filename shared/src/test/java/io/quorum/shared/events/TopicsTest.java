package io.quorum.shared.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void namesFollowTheConventionAndConsumedTopicsHaveDeadLetters() {
        var all = Topics.all();
        var names = new HashSet<String>();
        for (TopicSpec s : all) {
            assertThat(names.add(s.name())).as("unique " + s.name()).isTrue();
            assertThat(s.name()).startsWith("quorum.");
        }
        assertThat(names).contains(Topics.dlq(Topics.PAIRS_EMBEDDED), Topics.dlq(Topics.PAIRS),
                Topics.IMAGES, Topics.IMAGES_SCORED, Topics.dlq(Topics.IMAGES));
        assertThat(Topics.spec(Topics.MODELS).orElseThrow()).satisfies(s -> {
            assertThat(s.compacted()).isTrue();
            assertThat(s.partitions()).isEqualTo(1);
            assertThat(s.configs()).containsEntry("cleanup.policy", "compact");
        });
        assertThat(Topics.all(8)).filteredOn(s -> s.name().equals(Topics.PAIRS_EMBEDDED)).singleElement()
                .extracting(TopicSpec::partitions).isEqualTo(8);
        // photo topics take camera photos (above the broker's 1 MB default), their dead letters too, others keep it
        for (String photos : new String[] {Topics.IMAGES, Topics.dlq(Topics.IMAGES), Topics.IMAGES_EXPLAINED}) {
            assertThat(Topics.spec(photos).orElseThrow().configs()).as(photos)
                    .containsEntry("max.message.bytes", Integer.toString(Topics.IMAGES_MAX_MESSAGE_BYTES));
        }
        assertThat(Topics.IMAGES_MAX_MESSAGE_BYTES).isGreaterThan(10 * 1024 * 1024);
        assertThat(Topics.spec(Topics.PAIRS).orElseThrow().configs()).doesNotContainKey("max.message.bytes");
        assertThat(Topics.spec(Topics.dlq(Topics.PAIRS)).orElseThrow().maxMessageBytes()).isEqualTo(-1);
        assertThat(Topics.all(8)).filteredOn(s -> s.name().equals(Topics.IMAGES)).singleElement()
                .extracting(TopicSpec::maxMessageBytes).isEqualTo(Topics.IMAGES_MAX_MESSAGE_BYTES);
        assertThat(Topics.all(8)).filteredOn(s -> s.name().equals(Topics.MODELS)).singleElement()
                .extracting(TopicSpec::partitions).isEqualTo(1);
    }
}
