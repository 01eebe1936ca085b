package io.quorum.system.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The monitoring files as files (no broker, no Prometheus server): the dashboard's panels have unique ids and queries
 * on documented metrics; every alert has a severity, a summary and a runbook anchor that exists in README.md; the
 * rule file and both scrape configurations pass {@code promtool check} (the Debian package's; required under
 * {@code CI=true}); the scrape jobs are the services that exist plus the lag exporter; docker-compose.yml gives every
 * long-running container a healthcheck, names the images under {@code QUORUM_REGISTRY}/{@code QUORUM_TAG}, and has a
 * GPU twin (profile {@code gpu}, an NVIDIA device reservation, {@code cuda}) for each CPU service of profile
 * {@code cpu}, and {@code docker-compose config} (Debian's Compose 1.29, no Docker engine needed) accepts it.
 * MonitoringIT runs the same files against a real Prometheus.
 */
class MonitoringFilesTest {

    static final Pattern METRIC = Pattern.compile("\\bquorum_[a-z0-9_]+");
    static final List<String> SERVICES = List.of("pair-scoring", "embedding", "trainer", "adversarial", "ensemble-voting",
            "image-scoring");

    /** The Prometheus names documented in Metrics.java ({@code {@code quorum_...}} in its Javadoc). */
    static Set<String> documentedMetrics() throws IOException {
        String src = Files.readString(MonitoringFiles.root().resolve("shared/src/main/java/io/quorum/shared/metrics/Metrics.java"));
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(src);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** {@code quorum_*} series an expression reads that Metrics.java does not document (suffixes of histograms allowed). */
    static Set<String> undocumented(String expr, Set<String> documented) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            String name = m.group();
            String base = name.replaceAll("_(bucket|sum|count|max)$", "");
            if (!documented.contains(name) && !documented.contains(base)) {
                out.add(name);
            }
        }
        return out;
    }

    @Test
    void dashboardPanelsHaveUniqueIdsAndQueriesOnDocumentedMetrics() throws IOException {
        JsonNode d = MonitoringFiles.dashboard();
        List<JsonNode> panels = MonitoringFiles.panels(d);
        List<Integer> ids = panels.stream().map(p -> p.path("id").asInt()).toList();
        assertThat(ids).doesNotHaveDuplicates().doesNotContain(0);
        Set<String> documented = documentedMetrics();
        Map<String, Set<String>> bad = new TreeMap<>();
        for (JsonNode p : panels) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(p.path("targets").size()).as("panel %s has queries", p.path("title").asText()).isPositive();
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("expr").asText()).as("panel %s", p.path("title").asText()).isNotBlank();
                assertThat(refIds.add(t.path("refId").asText())).as("refIds unique in %s", p.path("title").asText()).isTrue();
                Set<String> u = undocumented(t.path("expr").asText(), documented);
                if (!u.isEmpty()) {
                    bad.put(p.path("title").asText(), u);
                }
            }
            assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
        }
        assertThat(bad).as("metric names not in Metrics.java").isEmpty();
        // no two panels overlap on the grid
        Set<String> cells = new HashSet<>();
        for (JsonNode p : panels) {
            JsonNode g = p.path("gridPos");
            for (int x = g.path("x").asInt(); x < g.path("x").asInt() + g.path("w").asInt(); x++) {
                for (int y = g.path("y").asInt(); y < g.path("y").asInt() + g.path("h").asInt(); y++) {
                    assertThat(cells.add(x + "," + y)).as("panel %s overlaps another at %d,%d", p.path("title").asText(), x, y)
                            .isTrue();
                }
            }
        }
        // every variable a query uses is defined (panelQueries throws on an unknown one)
        assertThat(MonitoringFiles.panelQueries("1m", "1h")).isNotEmpty();
    }

    @Test
    void theDashboardCoversEveryServiceTheBrokerSideLagAndTheReplicasVersions() {
        String all = MonitoringFiles.panelQueries("1m", "1h").stream().map(MonitoringFiles.PanelQuery::expr)
                .collect(Collectors.joining("\n"));
        Set<String> titles = MonitoringFiles.panels(MonitoringFiles.dashboard()).stream()
                .filter(p -> p.path("type").asText().equals("row")).map(p -> p.path("title").asText()).collect(Collectors.toSet());
        assertThat(titles).contains("Pair scoring and duplicate search", "Embedding", "Trainer", "Adversarial generation",
                "Ensemble voting", "Image scoring");
        assertThat(all).contains("quorum_consumer_group_lag", "histogram_quantile(0.50, sum by (topic, le) (rate(quorum_end_to_end_seconds_bucket",
                "histogram_quantile(0.99, sum by (topic, le) (rate(quorum_end_to_end_seconds_bucket",
                "max by (job, instance, model) (quorum_model_serving_version", "outcome=\"cancelled\"");
    }

    @Test
    void everyAlertHasASeveritySummaryAndARunbookSectionInTheReadme() throws IOException {
        List<MonitoringFiles.Alert> alerts = MonitoringFiles.alerts();
        assertThat(alerts).extracting(MonitoringFiles.Alert::name).containsExactlyInAnyOrder("QuorumDeadLetterRate",
                "QuorumNoModelServing", "QuorumModelLoadRefused", "QuorumInferenceDeviceFallback", "QuorumConsumerLagGrowing",
                "QuorumEndToEndLatencyHigh", "QuorumModelVersionSkew", "QuorumTargetDown");
        Set<String> anchors = readmeAnchors();
        Set<String> documented = documentedMetrics();
        for (MonitoringFiles.Alert a : alerts) {
            assertThat(a.labels().get("severity")).as(a.name()).isIn("critical", "warning");
            assertThat(a.annotations()).as(a.name()).containsKeys("summary", "description", "runbook_url");
            String runbook = a.annotations().get("runbook_url");
            assertThat(runbook).as(a.name()).startsWith("README.md#");
            assertThat(anchors).as("README.md has a heading for %s", runbook).contains(runbook.substring("README.md#".length()));
            assertThat(undocumented(a.expr(), documented)).as(a.name()).isEmpty();
        }
    }

    @Test
    void aPrometheusRuleUnderK8sCarriesExactlyTheRuleFilesGroups() throws IOException {
        // Kubernetes (Prometheus Operator) gets the same groups wrapped in a PrometheusRule: they must not drift apart
        JsonNode groups = MonitoringFiles.yaml(MonitoringFiles.rulesFile()).path("groups");
        List<Path> manifests;
        try (Stream<Path> s = Files.walk(MonitoringFiles.root().resolve("k8s"))) {
            manifests = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).toList();
        }
        for (Path m : manifests) {
            try (var in = Files.newBufferedReader(m)) {
                for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(in)) {
                    JsonNode d = io.quorum.shared.json.Json.mapper().valueToTree(doc);
                    if (d != null && "PrometheusRule".equals(d.path("kind").asText())) {
                        assertThat(d.path("spec").path("groups")).as(m + " spec.groups").isEqualTo(groups);
                    }
                }
            }
        }
    }

    @Test
    void promtoolAcceptsTheRulesAndBothScrapeConfigurations() throws Exception {
        Path promtool = PrometheusServer.requireBinary("promtool");
        promtool(promtool, "check", "rules", MonitoringFiles.rulesFile().toString());
        promtool(promtool, "check", "config", MonitoringFiles.scrapeConfigFile().toString());
        promtool(promtool, "check", "config", MonitoringFiles.composeScrapeConfigFile().toString());
    }

    static void promtool(Path promtool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(promtool.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + out).isZero();
    }

    @Test
    void theScrapeJobsAreTheServicesThatExistAndTheLagExporter() throws IOException {
        List<String> present;
        try (Stream<Path> s = Files.list(MonitoringFiles.root().resolve("services"))) {
            present = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(present).containsExactlyInAnyOrderElementsOf(SERVICES);
        JsonNode local = MonitoringFiles.yaml(MonitoringFiles.scrapeConfigFile());
        JsonNode compose = MonitoringFiles.yaml(MonitoringFiles.composeScrapeConfigFile());
        List<String> expected = new ArrayList<>(SERVICES);
        expected.add("lag-exporter");
        expected.add("prometheus");
        assertThat(MonitoringFiles.jobs(local)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(MonitoringFiles.jobs(compose)).containsExactlyInAnyOrderElementsOf(expected);
        JsonNode services = MonitoringFiles.yaml(MonitoringFiles.root().resolve("docker-compose.yml")).path("services");
        for (JsonNode job : compose.path("scrape_configs")) {
            String name = job.path("job_name").asText();
            if (name.equals("prometheus")) {
                continue;
            }
            String target = job.path("static_configs").path(0).path("targets").path(0).asText();
            assertThat(services.has(name)).as("compose service " + name).isTrue();
            String port = target.substring(target.indexOf(':') + 1);
            assertThat(target).isEqualTo(name + ":" + port);
            assertThat(services.path(name).path("ports").toString()).as(name).contains(port + ":" + port);
            assertThat(MonitoringFiles.yaml(MonitoringFiles.scrapeConfigFile()).path("scrape_configs").findValuesAsText("job_name"))
                    .contains(name);
            if (!name.equals("lag-exporter")) {
                assertThat(job.path("metrics_path").asText()).isEqualTo("/q/metrics");
                String props = Files.readString(MonitoringFiles.root().resolve("services/" + name + "/src/main/resources/application.properties"));
                assertThat(props).as(name).contains("quarkus.http.port=" + port);
            }
        }
        for (JsonNode c : List.of(local, compose)) {
            assertThat(c.path("rule_files").toString()).contains("rules/*.yml");
        }
    }

    @Test
    void composeHasHealthchecksRegistryNamedImagesAndAGpuProfile() throws IOException {
        Path root = MonitoringFiles.root();
        JsonNode compose = MonitoringFiles.yaml(root.resolve("docker-compose.yml"));
        JsonNode services = compose.path("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsAll(SERVICES).contains("lag-exporter", "prometheus", "grafana", "kafka", "init");
        for (String name : names) {
            JsonNode s = services.path(name);
            if (!name.equals("init")) {
                assertThat(s.has("healthcheck")).as(name + " has a healthcheck").isTrue();
                assertThat(s.path("healthcheck").path("test").isArray()).as(name).isTrue();
            }
            String image = s.path("image").asText();
            if (name.equals("kafka") || name.equals("prometheus") || name.equals("grafana")) {
                continue;
            }
            String base = name.equals("init") || name.equals("lag-exporter") ? "cli" : name;
            assertThat(image).as(name).isEqualTo("${QUORUM_REGISTRY:-quorum}/" + base + ":${QUORUM_TAG:-0.1.0}");
            assertThat(s.path("depends_on").path("kafka").path("condition").asText()).as(name).isEqualTo("service_healthy");
            if (!name.equals("init")) {
                assertThat(s.path("depends_on").path("init").path("condition").asText()).as(name)
                        .isEqualTo("service_completed_successfully");
            }
        }
        assertThat(services.path("grafana").path("depends_on").path("prometheus").path("condition").asText()).isEqualTo("service_healthy");
        for (String name : SERVICES) {
            JsonNode s = services.path(name);
            String port = s.path("ports").path(0).asText().split(":")[0];
            assertThat(s.path("healthcheck").path("test").toString()).as(name)
                    .contains("curl", "http://localhost:" + port + "/q/health/ready");
            assertThat(s.path("environment").path("QUORUM_INFERENCE_DEVICE").asText()).as(name)
                    .isEqualTo("${QUORUM_INFERENCE_DEVICE:-cpu}");
            JsonNode gpu = services.path(name + "-gpu");
            if (gpu.isMissingNode()) {
                assertThat(s.has("profiles")).as(name + " without a GPU variant runs in every profile").isFalse();
                continue;
            }
            assertThat(s.path("profiles").toString()).as(name).isEqualTo("[\"cpu\"]");
            assertThat(gpu.path("profiles").toString()).isEqualTo("[\"gpu\"]");
            assertThat(gpu.path("image").asText()).isEqualTo("${QUORUM_REGISTRY:-quorum}/" + name + "-gpu:${QUORUM_TAG:-0.1.0}");
            assertThat(gpu.path("environment").path("QUORUM_INFERENCE_DEVICE").asText()).isEqualTo("cuda");
            JsonNode device = gpu.path("deploy").path("resources").path("reservations").path("devices").path(0);
            assertThat(device.path("driver").asText()).isEqualTo("nvidia");
            assertThat(device.path("capabilities").toString()).contains("gpu");
            assertThat(gpu.path("networks").path("default").path("aliases").toString()).contains("\"" + name + "\"");
            assertThat(gpu.path("ports")).isEqualTo(s.path("ports"));
            assertThat(gpu.path("volumes")).isEqualTo(s.path("volumes"));
            assertThat(gpu.path("healthcheck").path("test")).isEqualTo(s.path("healthcheck").path("test"));
            assertThat(gpu.has("build")).as("the -gpu image is not the CPU Dockerfile's").isFalse();
        }
        assertThat(Files.readString(root.resolve(".env"))).containsPattern("(?m)^COMPOSE_PROFILES=cpu$");
        // every file or folder the compose file mounts from the repository exists
        for (JsonNode s : services) {
            for (JsonNode v : s.path("volumes")) {
                String src = v.asText().split(":")[0];
                if (src.startsWith("./")) {
                    assertThat(root.resolve(src)).as(v.asText()).exists();
                }
            }
        }
        assertThat(services.path("prometheus").path("volumes").toString()).contains("./infra/prometheus/rules:/etc/prometheus/rules");
        assertThat(services.path("lag-exporter").path("command").toString()).contains("lag-exporter");
    }

    @Test
    void dockerComposeValidatesTheFileInBothProfiles() throws Exception {
        Path compose = PrometheusServer.requireBinary("docker-compose");
        for (String profile : List.of("cpu", "gpu")) {
            ProcessBuilder pb = new ProcessBuilder(compose.toString(), "-f", MonitoringFiles.root().resolve("docker-compose.yml").toString(),
                    "config", "-q").redirectErrorStream(true);
            pb.environment().put("COMPOSE_PROFILES", profile);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("docker-compose config (profile " + profile + "):\n" + out).isZero();
        }
    }

    /** GitHub's anchors of README.md's headings: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> readmeAnchors() throws IOException {
        Set<String> anchors = new TreeSet<>();
        for (String line : Files.readAllLines(MonitoringFiles.root().resolve("README.md"))) {
            if (line.startsWith("#")) {
                String text = line.replaceFirst("^#+\\s*", "").trim().toLowerCase();
                anchors.add(text.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
