package io.quorum.k8scheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The objects one kustomization renders, with typed views of the built-in kinds. */
record Manifest(String name, String yaml, List<ObjectNode> objects) {

    static Manifest of(String name, Kustomize.Rendered r) {
        return new Manifest(name, r.yaml(), r.objects());
    }

    List<ObjectNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<ObjectNode> find(String kind, String name) {
        return all(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText())).findFirst();
    }

    ObjectNode one(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(this.name + ": no " + kind + "/" + name));
    }

    List<Deployment> deployments() {
        return all("Deployment").stream().map(o -> Validator.bind(o, Deployment.class)).toList();
    }

    Deployment deployment(String name) {
        return Validator.bind(one("Deployment", name), Deployment.class);
    }

    List<Job> jobs() {
        return all("Job").stream().map(o -> Validator.bind(o, Job.class)).toList();
    }

    /** Every pod template: the Deployments' and the Jobs', by workload name. */
    Map<String, PodTemplateSpec> podTemplates() {
        Map<String, PodTemplateSpec> m = new java.util.TreeMap<>();
        deployments().forEach(d -> m.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate()));
        jobs().forEach(j -> m.put("Job/" + j.getMetadata().getName(), j.getSpec().getTemplate()));
        return m;
    }

    static List<Container> containers(PodTemplateSpec t) {
        List<Container> all = new ArrayList<>(t.getSpec().getContainers());
        if (t.getSpec().getInitContainers() != null) {
            all.addAll(t.getSpec().getInitContainers());
        }
        return all;
    }

    /** The rendered quorum-config (its name carries a content hash). */
    ConfigMap quorumConfig() {
        List<ObjectNode> cms = all("ConfigMap").stream()
                .filter(o -> o.path("metadata").path("name").asText().startsWith("quorum-config-")).toList();
        if (cms.size() != 1) {
            throw new AssertionError(name + ": expected one quorum-config-<hash>, found " + cms.size());
        }
        return Validator.bind(cms.get(0), ConfigMap.class);
    }

    static String text(JsonNode n, String... path) {
        JsonNode c = n;
        for (String p : path) {
            c = c.path(p);
        }
        return c.asText();
    }
}
