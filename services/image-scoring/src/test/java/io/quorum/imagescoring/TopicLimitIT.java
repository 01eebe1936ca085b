package io.quorum.imagescoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestKafka;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * On the test broker: the photo topics are created with their {@code max.message.bytes}, and {@code ensure} raises it
 * on a topic created before its spec carried one (never lowering it).
 */
class TopicLimitIT {

    private static String maxMessageBytes(TopicAdmin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.admin().describeConfigs(List.of(r)).all().get().get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value();
    }

    @Test
    void photoTopicsTakeCameraPhotosAndEnsureRaisesTheLimitOfAnOlderTopic() throws Exception {
        String limit = Integer.toString(Topics.IMAGES_MAX_MESSAGE_BYTES);
        String older = "quorum.test.photos-" + UUID.randomUUID();
        try (TopicAdmin admin = TestKafka.clients().topicAdmin()) {
            assertThat(maxMessageBytes(admin, Topics.IMAGES)).isEqualTo(limit);
            assertThat(maxMessageBytes(admin, Topics.dlq(Topics.IMAGES))).isEqualTo(limit);
            assertThat(maxMessageBytes(admin, Topics.IMAGES_EXPLAINED)).isEqualTo(limit);

            TopicSpec before = new TopicSpec(older, 1, false, false, 3_600_000L);
            admin.ensure(List.of(before));
            // a new topic's configs are describable once its metadata has propagated
            String brokerDefault = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> maxMessageBytes(admin, older), java.util.Objects::nonNull);
            assertThat(Integer.parseInt(brokerDefault)).isLessThan(Topics.IMAGES_MAX_MESSAGE_BYTES);

            List<String> raised = admin.ensure(List.of(before.withMaxMessageBytes(Topics.IMAGES_MAX_MESSAGE_BYTES)));
            assertThat(raised).contains(older);
            assertThat(maxMessageBytes(admin, older)).isEqualTo(limit);

            // a spec asking for less never lowers it; asking again changes nothing
            assertThat(admin.ensure(List.of(before.withMaxMessageBytes(1_000_000)))).doesNotContain(older);
            assertThat(admin.ensure(List.of(before.withMaxMessageBytes(Topics.IMAGES_MAX_MESSAGE_BYTES))))
                    .doesNotContain(older);
            assertThat(maxMessageBytes(admin, older)).isEqualTo(limit);
        }
    }
}
