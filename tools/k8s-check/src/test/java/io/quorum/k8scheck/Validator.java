package io.quorum.k8scheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates one rendered Kubernetes object, the way the API server would reject it:
 * <ul>
 *   <li>built-in kinds (and the Prometheus Operator's) are bound to the fabric8 Kubernetes model strictly: a field
 *       the type does not have (a typo, a field at the wrong level), a value of the wrong type (a number where a
 *       string goes, "3" where an integer goes, a boolean in ConfigMap data) or a malformed quantity is an error;
 *       then the checks the model cannot express: required fields, enumerations, names, label syntax, probes
 *       with one handler, mounts of declared volumes, requests not above limits;</li>
 *   <li>KEDA and Strimzi kinds against schemas of the fields Quorum uses ({@link Schema},
 *       {@code src/test/resources/schemas/<group>/<version>/<Kind>.yaml}, written from the CRDs);</li>
 *   <li>any other apiVersion/kind is an error: nothing goes unchecked.</li>
 * </ul>
 */
final class Validator {

    static final ObjectMapper STRICT = strictMapper();

    private static final Map<String, Class<?>> TYPED = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));

    /** Kinds checked against a schema of ours (no typed model resolves for them). */
    static final Set<String> SCHEMAS = Set.of("keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication",
            "kafka.strimzi.io/v1beta2/KafkaTopic", "kafka.strimzi.io/v1beta2/KafkaUser");

    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    private final List<String> errors = new ArrayList<>();
    private final String id;

    private Validator(String id) {
        this.id = id;
    }

    /** The errors of {@code object}, each prefixed with its kind/name; empty when valid. */
    static List<String> validate(ObjectNode object) {
        String apiVersion = object.path("apiVersion").asText("");
        String kind = object.path("kind").asText("");
        String key = apiVersion + "/" + kind;
        Validator v = new Validator(kind + "/" + object.path("metadata").path("name").asText("<no name>"));
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            v.error("", "apiVersion and kind are required");
        } else if (TYPED.containsKey(key)) {
            v.typed(object, TYPED.get(key));
        } else if (SCHEMAS.contains(key)) {
            Schema.forKind(key).validate(object, "", v.errors, v.id);
            v.checkMeta(metaOf(object), false);
        } else {
            v.error("", "no validator for " + key + ": add its typed model or a schema before rendering it");
        }
        return v.errors;
    }

    /** The errors of binding {@code node} to the fabric8 type {@code type} strictly (schemas' {@code x-fabric8}). */
    static List<String> typedErrors(JsonNode node, Class<?> type, String id) {
        Validator v = new Validator(id);
        Object value;
        try {
            value = STRICT.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            v.error("", "does not bind to " + type.getSimpleName() + ": " + e.getOriginalMessage() + " " + path(e));
            return v.errors;
        }
        v.unknownFields(value, "", new HashSet<>());
        return v.errors;
    }

    private static ObjectMeta metaOf(ObjectNode object) {
        try {
            return STRICT.treeToValue(object.path("metadata"), ObjectMeta.class);
        } catch (JsonProcessingException e) {
            return new ObjectMeta();
        }
    }

    private void typed(ObjectNode object, Class<?> type) {
        Object value;
        try {
            value = STRICT.treeToValue(object, type);
        } catch (JsonProcessingException e) {
            error("", "does not bind to " + type.getSimpleName() + ": " + e.getOriginalMessage() + " at "
                    + e.getLocation() + " " + path(e));
            return;
        }
        unknownFields(value, "", new HashSet<>());
        semantic(value);
    }

    private static String path(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
            return m.getPathReference();
        }
        return "";
    }

    // ---- fields the model does not know land in additionalProperties: each one is an error

    private void unknownFields(Object value, String path, Set<Object> seen) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?> || value instanceof IntOrString || !seen.add(new Identity(value))) {
            return;
        }
        if (value instanceof Quantity q) {
            try {
                Quantity.getAmountInBytes(q);
            } catch (RuntimeException e) {
                error(path, "malformed quantity '" + q + "'");
            }
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                unknownFields(list.get(i), path + "[" + i + "]", seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : value.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getName().equals("getClass") || m.getReturnType().isPrimitive()) {
                continue;
            }
            Object child;
            try {
                child = m.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    error(path, "unknown field(s) " + extra.keySet());
                }
            } else {
                String name = m.getName().substring(3);
                unknownFields(child, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), seen);
            }
        }
    }

    private record Identity(Object o) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity i && i.o == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(o);
        }
    }

    // ---- what the API server validates beyond types

    private void semantic(Object value) {
        if (value instanceof io.fabric8.kubernetes.api.model.HasMetadata h) {
            boolean label = value instanceof Service || value instanceof Namespace;
            checkMeta(h.getMetadata(), label);
        }
        if (value instanceof Deployment d) {
            var spec = d.getSpec();
            require(spec != null, "spec", "required");
            if (spec == null) {
                return;
            }
            require(spec.getSelector() != null && spec.getSelector().getMatchLabels() != null
                    && !spec.getSelector().getMatchLabels().isEmpty(), "spec.selector", "matchLabels required");
            require(spec.getTemplate() != null, "spec.template", "required");
            if (spec.getTemplate() != null && spec.getSelector() != null && spec.getSelector().getMatchLabels() != null) {
                Map<String, String> labels = spec.getTemplate().getMetadata() == null ? Map.of()
                        : Objects.requireNonNullElse(spec.getTemplate().getMetadata().getLabels(), Map.of());
                spec.getSelector().getMatchLabels().forEach((k, v) -> require(v.equals(labels.get(k)),
                        "spec.selector", "selector " + k + "=" + v + " does not match the template's labels"));
            }
            if (spec.getStrategy() != null) {
                oneOf(spec.getStrategy().getType(), "spec.strategy.type", "RollingUpdate", "Recreate");
                require(!"Recreate".equals(spec.getStrategy().getType()) || spec.getStrategy().getRollingUpdate() == null,
                        "spec.strategy", "rollingUpdate with Recreate");
            }
            podTemplate(spec.getTemplate(), "spec.template", Set.of("Always"));
        } else if (value instanceof Job j) {
            require(j.getSpec() != null && j.getSpec().getTemplate() != null, "spec.template", "required");
            if (j.getSpec() != null) {
                podTemplate(j.getSpec().getTemplate(), "spec.template", Set.of("OnFailure", "Never"));
            }
        } else if (value instanceof Service s) {
            var spec = s.getSpec();
            require(spec != null && spec.getPorts() != null && !spec.getPorts().isEmpty(), "spec.ports", "required");
            if (spec != null) {
                oneOf(spec.getType(), "spec.type", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName");
                for (ServicePort p : Objects.requireNonNullElse(spec.getPorts(), List.<ServicePort>of())) {
                    require(p.getPort() != null && p.getPort() > 0 && p.getPort() < 65536, "spec.ports.port", "1..65535");
                    portName(p.getName(), "spec.ports.name");
                }
            }
        } else if (value instanceof PersistentVolumeClaim pvc) {
            var spec = pvc.getSpec();
            require(spec != null && spec.getAccessModes() != null && !spec.getAccessModes().isEmpty(), "spec.accessModes", "required");
            if (spec != null) {
                for (String m : Objects.requireNonNullElse(spec.getAccessModes(), List.<String>of())) {
                    oneOf(m, "spec.accessModes", "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");
                }
                require(spec.getResources() != null && spec.getResources().getRequests() != null
                        && spec.getResources().getRequests().containsKey("storage"), "spec.resources.requests.storage", "required");
            }
        } else if (value instanceof ConfigMap cm) {
            Objects.requireNonNullElse(cm.getData(), Map.<String, String>of()).keySet()
                    .forEach(k -> require(CONFIG_KEY.matcher(k).matches(), "data." + k, "invalid key"));
        } else if (value instanceof PodDisruptionBudget pdb) {
            var spec = pdb.getSpec();
            require(spec != null && spec.getSelector() != null, "spec.selector", "required");
            if (spec != null) {
                require((spec.getMinAvailable() == null) != (spec.getMaxUnavailable() == null), "spec",
                        "exactly one of minAvailable and maxUnavailable");
                oneOf(spec.getUnhealthyPodEvictionPolicy(), "spec.unhealthyPodEvictionPolicy", "IfHealthyBudget", "AlwaysAllow");
            }
        } else if (value instanceof HorizontalPodAutoscaler hpa) {
            var spec = hpa.getSpec();
            require(spec != null && spec.getScaleTargetRef() != null && spec.getScaleTargetRef().getName() != null
                    && spec.getScaleTargetRef().getKind() != null, "spec.scaleTargetRef", "kind and name required");
            if (spec != null) {
                require(spec.getMaxReplicas() != null && spec.getMaxReplicas() >= Objects.requireNonNullElse(spec.getMinReplicas(), 1),
                        "spec.maxReplicas", "required, at least minReplicas");
                require(spec.getMinReplicas() == null || spec.getMinReplicas() >= 1, "spec.minReplicas", "at least 1");
                for (var m : Objects.requireNonNullElse(spec.getMetrics(), List.<io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec>of())) {
                    oneOf(m.getType(), "spec.metrics.type", "Resource", "Pods", "Object", "External", "ContainerResource");
                }
                if (spec.getBehavior() != null) {
                    for (var rules : java.util.Arrays.asList(spec.getBehavior().getScaleUp(), spec.getBehavior().getScaleDown())) {
                        if (rules != null) {
                            for (var p : Objects.requireNonNullElse(rules.getPolicies(), List.<io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy>of())) {
                                oneOf(p.getType(), "spec.behavior.policies.type", "Pods", "Percent");
                            }
                        }
                    }
                }
            }
        }
    }

    private void podTemplate(PodTemplateSpec template, String path, Set<String> restartPolicies) {
        if (template == null || template.getSpec() == null) {
            error(path, "pod spec required");
            return;
        }
        PodSpec pod = template.getSpec();
        if (template.getMetadata() != null) {
            labels(template.getMetadata().getLabels(), path + ".metadata.labels");
        }
        if (pod.getRestartPolicy() != null) {
            require(restartPolicies.contains(pod.getRestartPolicy()), path + ".spec.restartPolicy", "one of " + restartPolicies);
        } else {
            require(restartPolicies.contains("Always"), path + ".spec.restartPolicy", "required for a Job");
        }
        require(pod.getContainers() != null && !pod.getContainers().isEmpty(), path + ".spec.containers", "at least one");
        Set<String> volumes = new HashSet<>();
        for (Volume v : Objects.requireNonNullElse(pod.getVolumes(), List.<Volume>of())) {
            name(v.getName(), DNS_LABEL, 63, path + ".spec.volumes.name");
            require(volumes.add(v.getName()), path + ".spec.volumes", "duplicate volume " + v.getName());
            int sources = count(v.getEmptyDir(), v.getSecret(), v.getConfigMap(), v.getPersistentVolumeClaim(),
                    v.getHostPath(), v.getProjected(), v.getDownwardAPI(), v.getEphemeral(), v.getCsi(), v.getNfs());
            require(sources == 1, path + ".spec.volumes." + v.getName(), "exactly one volume source");
        }
        Set<String> names = new HashSet<>();
        List<Container> all = new ArrayList<>(Objects.requireNonNullElse(pod.getInitContainers(), List.of()));
        all.addAll(Objects.requireNonNullElse(pod.getContainers(), List.of()));
        for (Container c : all) {
            String cp = path + ".spec.containers." + c.getName();
            name(c.getName(), DNS_LABEL, 63, cp + ".name");
            require(names.add(c.getName()), cp, "duplicate container name");
            require(c.getImage() != null && !c.getImage().isBlank(), cp + ".image", "required");
            oneOf(c.getImagePullPolicy(), cp + ".imagePullPolicy", "Always", "IfNotPresent", "Never");
            for (ContainerPort p : Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of())) {
                require(p.getContainerPort() != null && p.getContainerPort() > 0 && p.getContainerPort() < 65536,
                        cp + ".ports.containerPort", "1..65535");
                portName(p.getName(), cp + ".ports.name");
            }
            for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
                require(e.getName() != null && ENV_NAME.matcher(e.getName()).matches(), cp + ".env", "invalid name " + e.getName());
                require(e.getValue() == null || e.getValueFrom() == null, cp + ".env." + e.getName(), "value and valueFrom");
            }
            for (VolumeMount m : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
                require(volumes.contains(m.getName()), cp + ".volumeMounts", "mounts undeclared volume " + m.getName());
                require(m.getMountPath() != null && m.getMountPath().startsWith("/"), cp + ".volumeMounts." + m.getName(), "absolute mountPath required");
            }
            for (Probe p : java.util.Arrays.asList(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
                if (p != null) {
                    require(count(p.getHttpGet(), p.getTcpSocket(), p.getExec(), p.getGrpc()) == 1, cp + ".probe", "exactly one handler");
                    if (p.getHttpGet() != null) {
                        require(p.getHttpGet().getPort() != null, cp + ".probe.httpGet.port", "required");
                    }
                }
            }
            resources(c.getResources(), cp + ".resources");
        }
        for (Toleration t : Objects.requireNonNullElse(pod.getTolerations(), List.<Toleration>of())) {
            oneOf(t.getOperator(), path + ".spec.tolerations.operator", "Exists", "Equal");
            oneOf(t.getEffect(), path + ".spec.tolerations.effect", "NoSchedule", "PreferNoSchedule", "NoExecute");
            require(!"Exists".equals(t.getOperator()) || t.getValue() == null || t.getValue().isEmpty(),
                    path + ".spec.tolerations", "a value with operator Exists");
        }
        labels(pod.getNodeSelector(), path + ".spec.nodeSelector");
        if (pod.getAffinity() != null && pod.getAffinity().getNodeAffinity() != null
                && pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
            for (var term : pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()) {
                for (NodeSelectorRequirement r : Objects.requireNonNullElse(term.getMatchExpressions(), List.<NodeSelectorRequirement>of())) {
                    oneOf(r.getOperator(), path + ".spec.affinity.operator", "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");
                }
            }
        }
        if (pod.getSecurityContext() != null && pod.getSecurityContext().getSeccompProfile() != null) {
            oneOf(pod.getSecurityContext().getSeccompProfile().getType(), path + ".spec.securityContext.seccompProfile.type",
                    "RuntimeDefault", "Localhost", "Unconfined");
        }
    }

    private void resources(ResourceRequirements r, String path) {
        if (r == null) {
            return;
        }
        Map<String, Quantity> requests = Objects.requireNonNullElse(r.getRequests(), Map.of());
        Map<String, Quantity> limits = Objects.requireNonNullElse(r.getLimits(), Map.of());
        requests.forEach((k, v) -> {
            Quantity limit = limits.get(k);
            if (limit != null) {
                BigDecimal req;
                BigDecimal lim;
                try {
                    req = Quantity.getAmountInBytes(v);
                    lim = Quantity.getAmountInBytes(limit);
                } catch (RuntimeException e) {
                    return; // reported as a malformed quantity
                }
                require(req.compareTo(lim) <= 0, path + ".requests." + k, "request " + v + " above limit " + limit);
                require(!k.contains("/") || k.startsWith("kubernetes.io/") || req.compareTo(lim) == 0, path + ".requests." + k,
                        "an extended resource's request must equal its limit");
            }
        });
    }

    private void checkMeta(ObjectMeta meta, boolean dnsLabel) {
        if (meta == null || meta.getName() == null) {
            error("metadata.name", "required");
            return;
        }
        if (dnsLabel) {
            name(meta.getName(), DNS_1035, 63, "metadata.name");
        } else {
            name(meta.getName(), DNS_SUBDOMAIN, 253, "metadata.name");
        }
        if (meta.getNamespace() != null) {
            name(meta.getNamespace(), DNS_LABEL, 63, "metadata.namespace");
        }
        labels(meta.getLabels(), "metadata.labels");
        if (meta.getAnnotations() != null) {
            meta.getAnnotations().keySet().forEach(k -> labelKey(k, "metadata.annotations"));
        }
    }

    private void labels(Map<String, String> labels, String path) {
        if (labels == null) {
            return;
        }
        labels.forEach((k, v) -> {
            labelKey(k, path);
            require(v != null && (v.isEmpty() || v.length() <= 63 && LABEL_NAME.matcher(v).matches()), path + "." + k,
                    "invalid label value '" + v + "'");
        });
    }

    private void labelKey(String key, String path) {
        int slash = key.lastIndexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        require(name.length() <= 63 && LABEL_NAME.matcher(name).matches(), path + "." + key, "invalid key");
        require(prefix == null || prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches(), path + "." + key, "invalid key prefix");
    }

    private void portName(String name, String path) {
        if (name != null) {
            require(name.length() <= 15 && PORT_NAME.matcher(name).matches() && name.chars().anyMatch(Character::isLetter)
                    && !name.contains("--"), path, "invalid port name '" + name + "'");
        }
    }

    private void name(String name, Pattern pattern, int max, String path) {
        require(name != null && name.length() <= max && pattern.matcher(name).matches(), path, "invalid name '" + name + "'");
    }

    private void oneOf(String value, String path, String... allowed) {
        if (value != null) {
            require(List.of(allowed).contains(value), path, "'" + value + "' is not one of " + List.of(allowed));
        }
    }

    private static int count(Object... values) {
        int n = 0;
        for (Object v : values) {
            if (v != null) {
                n++;
            }
        }
        return n;
    }

    private void require(boolean ok, String path, String what) {
        if (!ok) {
            error(path, what);
        }
    }

    private void error(String path, String what) {
        errors.add(id + (path.isEmpty() ? "" : " " + path) + ": " + what);
    }

    private static ObjectMapper strictMapper() {
        JsonMapper m = JsonMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .build();
        // a number or boolean where the API wants a string (ConfigMap data, labels, env values) is refused by the
        // API server; Jackson would turn it into text
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        // and "3" where it wants a number or boolean
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        return m;
    }

    /** The typed value of {@code node} (for tests that read fields), bound strictly. */
    static <T> T bind(JsonNode node, Class<T> type) {
        try {
            return STRICT.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new AssertionError("does not bind to " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
