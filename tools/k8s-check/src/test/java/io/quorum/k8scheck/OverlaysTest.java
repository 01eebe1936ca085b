package io.quorum.k8scheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay under k8s/overlays (and two scratch overlays that take every component with unusual settings) is
 * rendered by {@code kubectl kustomize}; every object it renders must validate ({@link Validator}), and the facts the
 * overlays promise must hold on what they render.
 */
class OverlaysTest {

    /** The Kafka workers an autoscaler owns; pair-scoring (duplicate search) and the trainer stay at one replica. */
    static final Set<String> AUTOSCALED = Set.of("embedding", "pair-scoring-workers", "adversarial", "ensemble-voting",
            "image-scoring");
    /** The Deployments components/gpu moves to GPUs. */
    static final Set<String> GPU = Set.of("embedding", "image-scoring", "ensemble-voting", "adversarial");
    static final Set<String> WORKLOADS = Set.of("embedding", "pair-scoring", "pair-scoring-workers", "trainer",
            "adversarial", "ensemble-voting", "image-scoring", "lag-exporter");

    static List<Overlay> overlays() {
        return Overlay.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyRenderedObjectValidates(Overlay overlay) {
        Manifest m = overlay.render();
        List<String> errors = new ArrayList<>();
        m.objects().forEach(o -> errors.addAll(Validator.validate(o)));
        assertThat(errors).as("%s: schema errors", overlay).isEmpty();
        assertThat(m.deployments()).extracting(d -> d.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(WORKLOADS);
        assertThat(m.jobs()).extracting(j -> j.getMetadata().getName()).containsExactly("quorum-init");
        // the local settings object is never applied
        assertThat(m.find("ConfigMap", "quorum-settings")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyPodIsHardened(Overlay overlay) {
        Manifest m = overlay.render();
        ServiceAccount sa = Validator.bind(m.one("ServiceAccount", "quorum"), ServiceAccount.class);
        assertThat(sa.getAutomountServiceAccountToken()).as("ServiceAccount quorum mounts no token").isFalse();
        m.podTemplates().forEach((workload, template) -> {
            PodSpec pod = template.getSpec();
            String w = overlay + " " + workload;
            assertThat(pod.getServiceAccountName()).as(w).isEqualTo("quorum");
            assertThat(pod.getAutomountServiceAccountToken()).as(w + " automountServiceAccountToken").isFalse();
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(w + " runAsNonRoot").isTrue();
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).as(w).isEqualTo("RuntimeDefault");
            assertThat(pod.getNodeSelector()).as(w + " nodeSelector").containsEntry("kubernetes.io/arch", "amd64");
            Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
            BigDecimal emptyDirs = BigDecimal.ZERO;
            for (Volume v : pod.getVolumes()) {
                if (v.getEmptyDir() != null) {
                    assertThat(v.getEmptyDir().getSizeLimit()).as(w + " emptyDir " + v.getName() + " sizeLimit").isNotNull();
                    emptyDirs = emptyDirs.add(Quantity.getAmountInBytes(v.getEmptyDir().getSizeLimit()));
                }
            }
            BigDecimal ephemeralLimits = BigDecimal.ZERO;
            for (Container c : pod.getContainers()) {
                ephemeralLimits = ephemeralLimits.add(Quantity.getAmountInBytes(c.getResources().getLimits().get("ephemeral-storage")));
            }
            assertThat(emptyDirs).as(w + ": the emptyDirs fit in the containers' ephemeral-storage limits").isLessThanOrEqualTo(ephemeralLimits);
            for (Container c : Manifest.containers(template)) {
                String cw = w + "/" + c.getName();
                var sc = c.getSecurityContext();
                assertThat(sc.getReadOnlyRootFilesystem()).as(cw + " readOnlyRootFilesystem").isTrue();
                assertThat(sc.getAllowPrivilegeEscalation()).as(cw + " allowPrivilegeEscalation").isFalse();
                assertThat(sc.getCapabilities().getDrop()).as(cw).containsExactly("ALL");
                assertThat(c.getResources().getRequests()).as(cw + " requests").containsKeys("cpu", "memory", "ephemeral-storage");
                assertThat(c.getResources().getLimits()).as(cw + " limits").containsKeys("memory", "ephemeral-storage");
                // with a read-only root, every path the JVM and the native libraries write to is an emptyDir
                Map<String, String> mounts = c.getVolumeMounts().stream()
                        .collect(Collectors.toMap(VolumeMount::getMountPath, VolumeMount::getName));
                for (String writable : List.of("/tmp", "/home/quorum")) {
                    assertThat(mounts).as(cw + " mounts " + writable).containsKey(writable);
                    assertThat(volumes.get(mounts.get(writable)).getEmptyDir()).as(cw + " " + writable + " is an emptyDir").isNotNull();
                }
                if (mounts.containsKey("/var/lib/quorum/cache")) {
                    assertThat(volumes.get(mounts.get("/var/lib/quorum/cache")).getEmptyDir()).as(cw + " model cache").isNotNull();
                }
            }
        });
        for (Deployment d : m.deployments()) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            String w = overlay + " " + d.getMetadata().getName();
            assertThat(c.getPorts()).as(w + " port http").anyMatch(p -> "http".equals(p.getName()));
            // the lag exporter is the CLI image, not a Quarkus service: its one health endpoint is /health
            boolean exporter = d.getMetadata().getName().equals("lag-exporter");
            assertThat(probePath(c.getStartupProbe())).as(w + " startupProbe").isEqualTo(exporter ? "/health" : "/q/health/started");
            assertThat(probePath(c.getLivenessProbe())).as(w + " livenessProbe").isEqualTo(exporter ? "/health" : "/q/health/live");
            assertThat(probePath(c.getReadinessProbe())).as(w + " readinessProbe").isEqualTo(exporter ? "/health" : "/q/health/ready");
            assertThat(c.getResources().getRequests()).as(w).containsKeys("cpu", "memory", "ephemeral-storage");
        }
        // the trainer runs nd4j-native's AVX2 build: only on amd64 nodes with AVX2
        PodSpec trainer = m.deployment("trainer").getSpec().getTemplate().getSpec();
        var terms = trainer.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        assertThat(terms).allSatisfy(t -> assertThat(t.getMatchExpressions()).anySatisfy(e -> {
            assertThat(e.getKey()).isEqualTo("feature.node.kubernetes.io/cpu-cpuid.AVX2");
            assertThat(e.getOperator()).isEqualTo("In");
            assertThat(e.getValues()).containsExactly("true");
        }));
    }

    private static String probePath(Probe p) {
        assertThat(p).isNotNull();
        assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        return p.getHttpGet().getPath();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyDeploymentHasADisruptionBudgetAndAService(Overlay overlay) {
        Manifest m = overlay.render();
        List<PodDisruptionBudget> pdbs = m.all("PodDisruptionBudget").stream().map(o -> Validator.bind(o, PodDisruptionBudget.class)).toList();
        List<Service> services = m.all("Service").stream().map(o -> Validator.bind(o, Service.class)).toList();
        for (Deployment d : m.deployments()) {
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
            String w = overlay + " " + d.getMetadata().getName();
            List<PodDisruptionBudget> mine = pdbs.stream().filter(p -> labels.entrySet().containsAll(
                    p.getSpec().getSelector().getMatchLabels().entrySet())).toList();
            assertThat(mine).as(w + ": one PodDisruptionBudget").hasSize(1);
            assertThat(mine.get(0).getSpec().getMaxUnavailable().getIntVal()).as(w).isEqualTo(1);
            List<Service> selecting = services.stream().filter(s -> labels.entrySet().containsAll(s.getSpec().getSelector().entrySet())).toList();
            assertThat(selecting).as(w + ": one Service").hasSize(1);
            assertThat(selecting.get(0).getSpec().getPorts()).allSatisfy(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
            assertThat(selecting.get(0).getMetadata().getLabels()).as(w).containsEntry("quorum.io/service", labels.get("quorum.io/service"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyReferenceResolves(Overlay overlay) {
        Manifest m = overlay.render();
        Set<String> configMaps = names(m, "ConfigMap");
        Set<String> claims = names(m, "PersistentVolumeClaim");
        // Secrets created outside kustomize: documented in k8s/README.md, or written by Strimzi's User Operator
        Set<String> secrets = new HashSet<>(Set.of("quorum-api-token", "quorum-kafka-client", "quorum-keda-kafka"));
        secrets.addAll(names(m, "Secret"));
        secrets.addAll(names(m, "KafkaUser"));
        m.podTemplates().forEach((w, t) -> {
            for (Volume v : t.getSpec().getVolumes()) {
                if (v.getPersistentVolumeClaim() != null) {
                    assertThat(claims).as(overlay + " " + w).contains(v.getPersistentVolumeClaim().getClaimName());
                }
                if (v.getSecret() != null) {
                    assertThat(secrets).as(overlay + " " + w).contains(v.getSecret().getSecretName());
                }
            }
            for (Container c : Manifest.containers(t)) {
                for (EnvFromSource f : c.getEnvFrom()) {
                    assertThat(configMaps).as(overlay + " " + w).contains(f.getConfigMapRef().getName());
                }
                for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
                    if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                        assertThat(secrets).as(overlay + " " + w + " " + e.getName()).contains(e.getValueFrom().getSecretKeyRef().getName());
                    }
                }
            }
        });
        // the init job reads its partition count from quorum-config (Kubernetes expands $(VAR) from the environment)
        PodTemplateSpec init = m.jobs().get(0).getSpec().getTemplate();
        Container topics = init.getSpec().getInitContainers().get(0);
        assertThat(topics.getArgs()).as(overlay + " init topics").containsSubsequence("--partitions", "$(QUORUM_PARTITIONS)");
        assertThat(m.quorumConfig().getData()).containsKey("QUORUM_PARTITIONS");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void autoscalersOwnTheKafkaWorkersUpToThePartitionCount(Overlay overlay) {
        Manifest m = overlay.render();
        List<HorizontalPodAutoscaler> hpas = m.all("HorizontalPodAutoscaler").stream().map(o -> Validator.bind(o, HorizontalPodAutoscaler.class)).toList();
        List<ObjectNode> scaledObjects = m.all("ScaledObject");
        assertThat(overlay.has("hpa") && overlay.has("keda")).as(overlay + ": HPA and KEDA together").isFalse();
        if (overlay.has("hpa")) {
            assertThat(hpas).extracting(h -> h.getSpec().getScaleTargetRef().getName()).containsExactlyInAnyOrderElementsOf(AUTOSCALED);
            assertThat(hpas).allSatisfy(h -> {
                assertThat(h.getSpec().getMaxReplicas()).as(overlay + " HPA " + h.getMetadata().getName()).isEqualTo(overlay.partitions());
                assertThat(h.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            });
        } else {
            assertThat(hpas).as(overlay.toString()).isEmpty();
        }
        if (overlay.has("keda")) {
            assertThat(scaledObjects).extracting(s -> Manifest.text(s, "spec", "scaleTargetRef", "name")).containsExactlyInAnyOrderElementsOf(AUTOSCALED);
        } else {
            assertThat(scaledObjects).as(overlay.toString()).isEmpty();
        }
        Set<String> authentications = names(m, "TriggerAuthentication");
        for (ObjectNode so : scaledObjects) {
            String target = Manifest.text(so, "spec", "scaleTargetRef", "name");
            String w = overlay + " ScaledObject " + target;
            assertThat(so.path("spec").path("maxReplicaCount").asInt()).as(w).isEqualTo(overlay.partitions());
            Deployment d = m.deployment(target);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            Map<String, String> env = environment(m, c);
            List<ServiceChannels.Incoming> channels = ServiceChannels.of(d.getSpec().getTemplate().getMetadata().getLabels().get("quorum.io/service"));
            for (JsonNode trigger : so.path("spec").path("triggers")) {
                JsonNode md = trigger.path("metadata");
                // the broker address comes from the target's own environment, never a copy
                assertThat(md.has("bootstrapServers")).as(w + ": a copied bootstrap address").isFalse();
                assertThat(env).as(w + " bootstrapServersFromEnv").containsEntry(md.path("bootstrapServersFromEnv").asText(),
                        overlay.settings().get("KAFKA_BOOTSTRAP_SERVERS"));
                // the lag KEDA reads is the lag of a group the service really consumes with
                assertThat(channels).as(w + " topic/group").anySatisfy(in -> {
                    assertThat(in.topic()).isEqualTo(md.path("topic").asText());
                    assertThat(in.group()).isEqualTo(md.path("consumerGroup").asText());
                });
                if (!authentications.isEmpty() || overlay.has("secured-kafka")) {
                    assertThat(authentications).as(w + " authenticationRef").contains(trigger.path("authenticationRef").path("name").asText());
                } else {
                    assertThat(trigger.has("authenticationRef")).as(w).isFalse();
                }
            }
        }
        for (String single : List.of("pair-scoring", "trainer")) {
            assertThat(m.deployment(single).getSpec().getReplicas()).as(overlay + " " + single).isEqualTo(1);
            assertThat(m.deployment(single).getSpec().getStrategy().getType()).as(overlay + " " + single).isEqualTo("Recreate");
        }
    }

    /** The environment a container gets from its ConfigMaps (envFrom) and its own env values. */
    private static Map<String, String> environment(Manifest m, Container c) {
        Map<String, String> env = new HashMap<>();
        for (EnvFromSource f : c.getEnvFrom()) {
            ConfigMap cm = Validator.bind(m.one("ConfigMap", f.getConfigMapRef().getName()), ConfigMap.class);
            env.putAll(cm.getData());
        }
        for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        return env;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void theSettingsReachEveryObjectFromTheirOnePlace(Overlay overlay) {
        Manifest m = overlay.render();
        Map<String, String> s = overlay.settings();
        Map<String, String> config = m.quorumConfig().getData();
        for (String key : List.of("KAFKA_BOOTSTRAP_SERVERS", "QUORUM_PARTITIONS", "QUORUM_REPLICATION_FACTOR", "QUORUM_MIN_INSYNC_REPLICAS")) {
            assertThat(config).as(overlay + " quorum-config").containsEntry(key, s.get(key));
        }
        // the broker address is written once in everything the overlay renders
        assertThat(occurrences(m.yaml(), s.get("KAFKA_BOOTSTRAP_SERVERS"))).as(overlay + ": copies of the bootstrap address").isEqualTo(1);
        // namespace: every object in the overlay's, the Namespace object itself renamed
        assertThat(m.one("Namespace", overlay.namespace())).isNotNull();
        assertThat(m.all("Namespace")).hasSize(1);
        for (ObjectNode o : m.objects()) {
            if (!o.path("kind").asText().equals("Namespace")) {
                assertThat(o.path("metadata").path("namespace").asText()).as(overlay + " " + o.path("kind").asText() + "/"
                        + o.path("metadata").path("name").asText()).isEqualTo(overlay.namespace());
            }
        }
        for (ObjectNode t : m.all("KafkaTopic")) {
            String w = overlay + " KafkaTopic " + t.path("spec").path("topicName").asText();
            assertThat(t.path("spec").path("replicas").asText()).as(w).isEqualTo(s.get("QUORUM_REPLICATION_FACTOR"));
            assertThat(t.path("spec").path("config").path("min.insync.replicas").asText()).as(w).isEqualTo(s.get("QUORUM_MIN_INSYNC_REPLICAS"));
            if (t.path("metadata").path("labels").path("quorum.io/partitions").asText().equals("scalable")) {
                assertThat(t.path("spec").path("partitions").asText()).as(w).isEqualTo(s.get("QUORUM_PARTITIONS"));
            }
        }
        for (String kind : List.of("KafkaTopic", "KafkaUser")) {
            for (ObjectNode o : m.all(kind)) {
                assertThat(o.path("metadata").path("labels").path("strimzi.io/cluster").asText()).as(overlay + " " + kind)
                        .isEqualTo(s.get("STRIMZI_CLUSTER"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void imagesComeFromTheOverlaysRegistryAndTag(Overlay overlay) {
        Manifest m = overlay.render();
        Set<String> images = new TreeSet<>();
        m.podTemplates().values().forEach(t -> Manifest.containers(t).forEach(c -> images.add(c.getImage())));
        if (overlay.images().isEmpty()) {
            assertThat(images).as(overlay.toString()).allSatisfy(i -> assertThat(i).startsWith("quorum/").endsWith(":0.1.0"));
        } else {
            // every image renamed by the overlay's images: block, none left under the default name
            assertThat(images).as(overlay.toString()).isSubsetOf(overlay.images().values())
                    .noneSatisfy(i -> assertThat(i).startsWith("quorum/"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void gpuPodsAskForAGpuAndCudaTheOthersStayOnCpu(Overlay overlay) {
        Manifest m = overlay.render();
        assertThat(m.quorumConfig().getData()).containsEntry("QUORUM_INFERENCE_DEVICE", "cpu")
                .containsEntry("RUST_FLAVOR", "cpu").containsEntry("DJL_OFFLINE", "true");
        for (Deployment d : m.deployments()) {
            String name = d.getMetadata().getName();
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            Container c = pod.getContainers().get(0);
            Map<String, String> env = environment(m, c);
            String w = overlay + " " + name;
            if (overlay.has("gpu") && GPU.contains(name)) {
                assertThat(c.getResources().getLimits().get("nvidia.com/gpu")).as(w + " nvidia.com/gpu").isEqualTo(new Quantity("1"));
                assertThat(pod.getTolerations()).as(w).anySatisfy(t -> {
                    assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
                    assertThat(t.getEffect()).isEqualTo("NoSchedule");
                });
                assertThat(pod.getNodeSelector()).as(w).containsEntry("nvidia.com/gpu.present", "true");
                assertThat(c.getImage()).as(w).contains(name + "-gpu");
                assertThat(env).as(w).containsEntry("QUORUM_INFERENCE_DEVICE", "cuda");
                Volume tmp = pod.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow();
                assertThat(Quantity.getAmountInBytes(tmp.getEmptyDir().getSizeLimit())).as(w + " /tmp for the CUDA provider")
                        .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(new Quantity("3Gi")));
            } else {
                assertThat(c.getResources().getLimits()).as(w).doesNotContainKey("nvidia.com/gpu");
                assertThat(c.getImage()).as(w).doesNotContain("-gpu");
                assertThat(env).as(w).containsEntry("QUORUM_INFERENCE_DEVICE", "cpu");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void aSecuredClusterIsRequiredWhereAsked(Overlay overlay) {
        Manifest m = overlay.render();
        boolean secured = overlay.has("secured-kafka");
        assertThat(m.quorumConfig().getData().get("QUORUM_KAFKA_CONFIG_FILE")).as(overlay.toString())
                .isEqualTo(secured ? "/etc/quorum/kafka/client.properties" : "");
        m.podTemplates().forEach((w, t) -> {
            Volume client = t.getSpec().getVolumes().stream().filter(v -> v.getName().equals("kafka-client")).findFirst().orElseThrow();
            assertThat(client.getSecret().getSecretName()).isEqualTo("quorum-kafka-client");
            assertThat(client.getSecret().getOptional()).as(overlay + " " + w + ": the client file optional").isEqualTo(!secured);
            for (Container c : Manifest.containers(t)) {
                assertThat(c.getVolumeMounts()).as(overlay + " " + w + "/" + c.getName())
                        .anySatisfy(v -> assertThat(v.getMountPath()).isEqualTo("/etc/quorum/kafka"));
                // components/strimzi: each workload authenticates as its own KafkaUser
                EnvVar jaas = Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream()
                        .filter(e -> e.getName().equals("KAFKA_SASL_JAAS_CONFIG")).findFirst().orElse(null);
                if (overlay.has("strimzi")) {
                    String user = w.startsWith("Job/") ? "quorum-init" : "quorum-" + t.getMetadata().getLabels().get("quorum.io/service");
                    assertThat(jaas).as(overlay + " " + w + "/" + c.getName() + " KAFKA_SASL_JAAS_CONFIG").isNotNull();
                    assertThat(jaas.getValueFrom().getSecretKeyRef().getName()).isEqualTo(user);
                    assertThat(jaas.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("sasl.jaas.config");
                    m.one("KafkaUser", user);
                } else {
                    assertThat(jaas).as(overlay + " " + w).isNull();
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void thePodMonitorScrapesEveryServiceUnderItsName(Overlay overlay) {
        Manifest m = overlay.render();
        List<PodMonitor> monitors = m.all("PodMonitor").stream().map(o -> Validator.bind(o, PodMonitor.class)).toList();
        if (!overlay.has("monitoring")) {
            assertThat(monitors).as(overlay.toString()).isEmpty();
            return;
        }
        assertThat(monitors).hasSize(1);
        PodMonitor pm = monitors.get(0);
        assertThat(pm.getSpec().getJobLabel()).isEqualTo("quorum.io/service");
        var endpoint = pm.getSpec().getPodMetricsEndpoints().get(0);
        assertThat(endpoint.getPath()).isEqualTo("/q/metrics");
        assertThat(endpoint.getRelabelings()).anySatisfy(r -> {
            assertThat(r.getSourceLabels()).containsExactly("__meta_kubernetes_pod_label_quorum_io_service");
            assertThat(r.getTargetLabel()).isEqualTo("service");
        });
        Set<String> services = new TreeSet<>();
        for (Deployment d : m.deployments()) {
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
            String w = overlay + " " + d.getMetadata().getName();
            assertThat(pm.getSpec().getSelector().getMatchExpressions()).allSatisfy(e -> {
                assertThat(e.getOperator()).isEqualTo("Exists");
                assertThat(labels).as(w + " selected by the PodMonitor").containsKey(e.getKey());
            });
            assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
                    .anySatisfy(p -> assertThat(p.getName()).isEqualTo(endpoint.getPort()));
            services.add(labels.get(pm.getSpec().getJobLabel()));
        }
        // job = the service name, as in docker-compose's scrape config: both pair-scoring Deployments are one job
        assertThat(services).containsExactlyInAnyOrder("embedding", "pair-scoring", "trainer", "adversarial",
                "ensemble-voting", "image-scoring", "lag-exporter");
    }

    private static Set<String> names(Manifest m, String kind) {
        return m.all(kind).stream().map(o -> o.path("metadata").path("name").asText()).collect(Collectors.toSet());
    }

    private static int occurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
