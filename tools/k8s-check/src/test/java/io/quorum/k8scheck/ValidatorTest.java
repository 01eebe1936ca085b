package io.quorum.k8scheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The validator refuses what the API server (or the CRD's schema) would refuse, and passes the examples. */
class ValidatorTest {

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
              labels: {app: demo}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: demo}
              template:
                metadata:
                  labels: {app: demo}
                spec:
                  containers:
                    - name: demo
                      image: quorum/demo:1
                      ports: [{name: http, containerPort: 8080}]
                      resources:
                        requests: {cpu: "1", memory: 1Gi}
                        limits: {memory: 1Gi}
                      volumeMounts: [{name: tmp, mountPath: /tmp}]
                  volumes:
                    - name: tmp
                      emptyDir: {sizeLimit: 1Gi}
            """;

    private static List<String> errors(String yaml) {
        List<String> errors = new ArrayList<>();
        for (ObjectNode o : Kustomize.parse(yaml)) {
            errors.addAll(Validator.validate(o));
        }
        return errors;
    }

    @Test
    void aValidDeploymentPasses() {
        assertThat(errors(DEPLOYMENT)).isEmpty();
    }

    @Test
    void unknownFieldsAnywhereAreRefused() {
        assertThat(errors(DEPLOYMENT.replace("replicas: 1", "replica: 1")))
                .singleElement().asString().contains("unknown field(s) [replica]");
        assertThat(errors(DEPLOYMENT.replace("image: quorum/demo:1",
                "image: quorum/demo:1\n          redinessProbe: {httpGet: {path: /, port: http}}")))
                .singleElement().asString().contains("redinessProbe");
        // at the wrong level: emptyDir's sizeLimit under the volume
        assertThat(errors(DEPLOYMENT.replace("emptyDir: {sizeLimit: 1Gi}", "emptyDir: {}\n          sizeLimit: 1Gi")))
                .anySatisfy(e -> assertThat(e).contains("sizeLimit"));
    }

    @Test
    void wrongTypesAreRefused() {
        assertThat(errors(DEPLOYMENT.replace("replicas: 1", "replicas: \"1\""))).isNotEmpty();
        assertThat(errors("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: c}
                data: {PARTITIONS: 12}
                """)).singleElement().asString().contains("ConfigMap/c");
        assertThat(errors(DEPLOYMENT.replace("labels: {app: demo}\nspec:", "labels: {app: demo, on: true}\nspec:"))).isNotEmpty();
        assertThat(errors(DEPLOYMENT.replace("memory: 1Gi}\n", "memory: 1Gb}\n"))).anySatisfy(e -> assertThat(e).contains("quantity"));
    }

    @Test
    void whatTheApiServerChecksBeyondTypesIsChecked() {
        assertThat(errors(DEPLOYMENT.replace("          image: quorum/demo:1\n", ""))).anySatisfy(e -> assertThat(e).contains("image: required"));
        assertThat(errors(DEPLOYMENT.replace("mountPath: /tmp", "mountPath: /tmp}, {name: cache, mountPath: /cache")))
                .anySatisfy(e -> assertThat(e).contains("undeclared volume cache"));
        assertThat(errors(DEPLOYMENT.replace("matchLabels: {app: demo}", "matchLabels: {app: other}")))
                .anySatisfy(e -> assertThat(e).contains("does not match"));
        assertThat(errors(DEPLOYMENT.replace("requests: {cpu: \"1\", memory: 1Gi}", "requests: {cpu: \"1\", memory: 2Gi}")))
                .anySatisfy(e -> assertThat(e).contains("above limit"));
        assertThat(errors(DEPLOYMENT.replace("name: demo\n  labels", "name: Demo_1\n  labels"))).anySatisfy(e -> assertThat(e).contains("invalid name"));
        assertThat(errors(DEPLOYMENT.replace("name: http,", "name: http-metrics-endpoint,"))).anySatisfy(e -> assertThat(e).contains("port name"));
        assertThat(errors("apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: old}\n"))
                .singleElement().asString().contains("no validator for apps/v1beta1/Deployment");
    }

    @Test
    void kedaAndStrimziObjectsAreCheckedAgainstTheirSchemas() {
        String so = """
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: demo}
                spec:
                  scaleTargetRef: {name: demo}
                  maxReplicaCount: 12
                  triggers:
                    - type: kafka
                      metadata:
                        bootstrapServersFromEnv: KAFKA_BOOTSTRAP_SERVERS
                        consumerGroup: demo
                        topic: quorum.demo
                        lagThreshold: "50"
                        allowIdleConsumers: "false"
                """;
        assertThat(errors(so)).isEmpty();
        // KEDA's trigger metadata is map[string]string: an unquoted boolean or number is refused
        assertThat(errors(so.replace("allowIdleConsumers: \"false\"", "allowIdleConsumers: false"))).isNotEmpty();
        assertThat(errors(so.replace("lagThreshold: \"50\"", "lagThreshold: 50"))).isNotEmpty();
        assertThat(errors(so.replace("maxReplicaCount: 12", "maxReplicaCount: \"12\""))).isNotEmpty();
        assertThat(errors(so.replace("bootstrapServersFromEnv", "bootstrapServerFromEnv"))).isNotEmpty();
        assertThat(errors(so.replace("  maxReplicaCount: 12", "  maxReplicas: 12"))).anySatisfy(e -> assertThat(e).contains("unknown field maxReplicas"));
        assertThat(errors(so.replace("metadata: {name: demo}", "metadata: {name: demo, labelz: {}}"))).isNotEmpty();
        String topic = """
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata: {name: quorum-demo, labels: {strimzi.io/cluster: c}}
                spec: {topicName: quorum.demo, partitions: 3, replicas: 3, config: {retention.ms: 1000, cleanup.policy: delete}}
                """;
        assertThat(errors(topic)).isEmpty();
        assertThat(errors(topic.replace("labels: {strimzi.io/cluster: c}", "labels: {}"))).anySatisfy(e -> assertThat(e).contains("strimzi.io/cluster"));
        assertThat(errors(topic.replace("replicas: 3", "replica: 3"))).isNotEmpty();
        assertThat(errors(topic.replace("partitions: 3", "partitions: 0"))).isNotEmpty();
        assertThat(errors("""
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaUser
                metadata: {name: u, labels: {strimzi.io/cluster: c}}
                spec:
                  authentication: {type: scram-sha-512}
                  authorization:
                    type: simple
                    acls: [{resource: {type: topic, name: t}, operations: [Read, Wirte]}]
                """)).singleElement().asString().contains("Wirte");
    }

    @Test
    void theExampleSecretsAreValidObjects() {
        List<Path> examples = K8sTree.examples();
        assertThat(examples).isNotEmpty();
        for (Path f : examples) {
            for (ObjectNode o : Kustomize.parse(f)) {
                assertThat(Validator.validate(o)).as(f.toString()).isEmpty();
            }
        }
    }
}
