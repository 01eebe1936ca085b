package io.quorum.k8scheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * components/strimzi must describe the topics exactly as {@code ./quorum topics ensure} creates them
 * ({@link Topics#all(int)}, {@link TopicSpec#configs()}) and its users must hold the ACLs each service's configuration
 * needs. Plain Java on the component's files: no kubectl needed.
 */
class StrimziTopicsTest {

    private static final Map<String, String> SETTINGS = Overlay.baseSettings();

    private static List<ObjectNode> file(String name) {
        return Kustomize.parse(K8sTree.k8s().resolve("components/strimzi").resolve(name));
    }

    @Test
    void theKafkaTopicsAreTheTopicsOfTopicsJava() {
        int partitions = Integer.parseInt(SETTINGS.get("QUORUM_PARTITIONS"));
        Map<String, ObjectNode> topics = file("kafkatopics.yaml").stream()
                .collect(Collectors.toMap(t -> t.path("spec").path("topicName").asText(), Function.identity()));
        List<TopicSpec> specs = Topics.all(partitions);
        assertThat(topics.keySet()).as("KafkaTopics vs Topics.all()")
                .containsExactlyInAnyOrderElementsOf(specs.stream().map(TopicSpec::name).toList());
        List<String> differences = new ArrayList<>();
        for (TopicSpec spec : specs) {
            ObjectNode t = topics.get(spec.name());
            expect(differences, spec, "metadata.name", spec.name().replace('.', '-'), t.path("metadata").path("name").asText());
            expect(differences, spec, "partitions", Integer.toString(spec.partitions()), t.path("spec").path("partitions").asText());
            expect(differences, spec, "label quorum.io/partitions", spec.scalable() ? "scalable" : "fixed",
                    t.path("metadata").path("labels").path("quorum.io/partitions").asText());
            // the placeholders k8s/propagate replaces are the base settings, so the default render is right as well
            expect(differences, spec, "replicas", SETTINGS.get("QUORUM_REPLICATION_FACTOR"), t.path("spec").path("replicas").asText());
            expect(differences, spec, "strimzi.io/cluster", SETTINGS.get("STRIMZI_CLUSTER"),
                    t.path("metadata").path("labels").path("strimzi.io/cluster").asText());
            Map<String, String> want = new TreeMap<>(spec.configs());
            want.put("min.insync.replicas", SETTINGS.get("QUORUM_MIN_INSYNC_REPLICAS"));
            Map<String, String> have = new TreeMap<>();
            t.path("spec").path("config").fields().forEachRemaining(f -> have.put(f.getKey(), f.getValue().asText()));
            expect(differences, spec, "config", want.toString(), have.toString());
        }
        assertThat(differences).as("components/strimzi/kafkatopics.yaml differs from Topics.java").isEmpty();
    }

    private static void expect(List<String> differences, TopicSpec spec, String what, String want, String have) {
        if (!want.equals(have)) {
            differences.add(spec.name() + " " + what + ": Topics.java says " + want + ", the KafkaTopic " + have);
        }
    }

    /** The ACLs of one user: resource type + name (+ pattern) -> operations. */
    private record Acl(String type, String name, boolean prefix, Set<String> operations) {
        boolean covers(String type, String name, String operation) {
            return this.type.equals(type) && (prefix ? name.startsWith(this.name) : name.equals(this.name))
                    && (operations.contains(operation) || operations.contains("All"));
        }
    }

    private static Map<String, List<Acl>> users() {
        Map<String, List<Acl>> users = new LinkedHashMap<>();
        for (ObjectNode u : file("kafkausers.yaml")) {
            List<Acl> acls = new ArrayList<>();
            for (JsonNode a : u.path("spec").path("authorization").path("acls")) {
                Set<String> ops = new java.util.HashSet<>();
                a.path("operations").forEach(o -> ops.add(o.asText()));
                acls.add(new Acl(a.path("resource").path("type").asText(), a.path("resource").path("name").asText(),
                        a.path("resource").path("patternType").asText().equals("prefix"), ops));
            }
            users.put(u.path("metadata").path("name").asText(), acls);
        }
        return users;
    }

    private static boolean allowed(List<Acl> acls, String type, String name, String operation) {
        return acls.stream().anyMatch(a -> a.covers(type, name, operation));
    }

    @Test
    void eachServiceUserMayReadWhatItConsumesAndDeadLetterIt() {
        Map<String, List<Acl>> users = users();
        for (String service : List.of("embedding", "pair-scoring", "trainer", "adversarial", "ensemble-voting", "image-scoring")) {
            List<Acl> acls = users.get("quorum-" + service);
            assertThat(acls).as("KafkaUser quorum-" + service).isNotNull();
            assertThat(allowed(acls, "topic", Topics.MODELS, "Read")).as(service + " reads the model registry").isTrue();
            for (ServiceChannels.Incoming in : ServiceChannels.of(service)) {
                String w = service + " channel " + in.channel();
                assertThat(allowed(acls, "topic", in.topic(), "Read")).as(w + " Read " + in.topic()).isTrue();
                assertThat(allowed(acls, "group", in.group(), "Read")).as(w + " Read group " + in.group()).isTrue();
                assertThat(allowed(acls, "topic", Topics.dlq(in.topic()), "Write")).as(w + " Write " + Topics.dlq(in.topic())).isTrue();
            }
        }
        // pair-scoring's duplicate search commits its own group (quorum.pair-scoring.duplicates.group)
        assertThat(allowed(users.get("quorum-pair-scoring"), "topic", Topics.QUESTIONS_EMBEDDED, "Read")).isTrue();
        assertThat(allowed(users.get("quorum-pair-scoring"), "group", "pair-scoring-duplicates", "Read")).isTrue();
        // the trainer announces model versions in a transaction
        assertThat(allowed(users.get("quorum-trainer"), "transactionalId", "quorum-trainer-registry-tx", "Write")).isTrue();
        assertThat(allowed(users.get("quorum-trainer"), "topic", Topics.MODELS, "Write")).isTrue();
        // the init job creates, grows and configures every topic, and publishes the bundled models
        for (TopicSpec spec : Topics.all()) {
            for (String op : List.of("Create", "Describe", "DescribeConfigs", "AlterConfigs", "Alter")) {
                assertThat(allowed(users.get("quorum-init"), "topic", spec.name(), op)).as("quorum-init " + op + " " + spec.name()).isTrue();
            }
        }
        assertThat(allowed(users.get("quorum-init"), "topic", Topics.MODELS, "Write")).isTrue();
    }

    @Test
    void everyTopicAnAclNamesExists() {
        Set<String> names = Topics.all().stream().map(TopicSpec::name).collect(Collectors.toSet());
        users().forEach((user, acls) -> acls.stream().filter(a -> a.type().equals("topic")).forEach(a -> {
            if (a.prefix()) {
                assertThat(names).as(user + " prefix " + a.name()).anyMatch(n -> n.startsWith(a.name()));
            } else {
                assertThat(names).as(user + " names topic " + a.name()).contains(a.name());
            }
        }));
    }
}
