package io.quorum.system.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quorum.shared.json.Json;
import io.quorum.testing.ServiceLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The project's monitoring files, read as Prometheus and Grafana read them: the scrape configuration
 * ({@code infra/prometheus/prometheus.yml}), the alert rules ({@code infra/prometheus/rules/quorum-alerts.yml}) and
 * the dashboard ({@code infra/grafana/dashboards/quorum.json}), with what a test needs to run them for real: the
 * scrape configuration pointed at the ports a test's processes listen on, a copy of the rules whose {@code for:}
 * durations are shortened, and every dashboard query with its template variables substituted.
 */
public final class MonitoringFiles {

    static final YAMLMapper YAML = new YAMLMapper();

    /** One query of one dashboard panel, its variables substituted. */
    public record PanelQuery(int panelId, String panel, String refId, String expr) {
        @Override
        public String toString() {
            return "panel " + panelId + " \"" + panel + "\" " + refId + ": " + expr;
        }
    }

    /** One alerting rule as written in the rule file. */
    public record Alert(String group, String name, String expr, String forDuration, Map<String, String> labels,
                        Map<String, String> annotations) {
    }

    private MonitoringFiles() {
    }

    public static Path root() {
        return ServiceLauncher.repositoryRoot();
    }

    public static Path scrapeConfigFile() {
        return root().resolve("infra/prometheus/prometheus.yml");
    }

    public static Path composeScrapeConfigFile() {
        return root().resolve("infra/prometheus/prometheus-compose.yml");
    }

    public static Path rulesFile() {
        return root().resolve("infra/prometheus/rules/quorum-alerts.yml");
    }

    public static Path dashboardFile() {
        return root().resolve("infra/grafana/dashboards/quorum.json");
    }

    /**
     * A YAML file as a tree, read with SnakeYAML so that anchors, aliases and merge keys ({@code <<: *x}, which
     * docker-compose.yml uses) resolve as Compose resolves them (Jackson's YAML reader leaves them unresolved).
     */
    public static JsonNode yaml(Path file) {
        try (var in = java.nio.file.Files.newBufferedReader(file)) {
            Object tree = new org.yaml.snakeyaml.Yaml().load(in);
            return Json.mapper().valueToTree(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode dashboard() {
        try {
            return Json.mapper().readTree(dashboardFile().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scrape jobs of the project's configuration, in order. */
    public static List<String> jobs(JsonNode config) {
        List<String> jobs = new ArrayList<>();
        config.path("scrape_configs").forEach(j -> jobs.add(j.path("job_name").asText()));
        return jobs;
    }

    /**
     * The project's scrape configuration with every job's targets replaced by {@code targets} (job -> host:port list;
     * every job of the file must be given one, so a test cannot silently leave a service out), the scrape and rule
     * evaluation intervals set to {@code interval}, and {@code ruleFiles} instead of the file's rule_files. Jobs,
     * metrics paths and relabelling stay as the project wrote them.
     */
    public static String scrapeConfig(Map<String, List<String>> targets, Duration interval, List<Path> ruleFiles) {
        ObjectNode config = (ObjectNode) yaml(scrapeConfigFile());
        Set<String> unknown = new TreeSet<>(targets.keySet());
        ObjectNode global = config.has("global") ? (ObjectNode) config.get("global") : config.putObject("global");
        String i = interval.toMillis() + "ms";
        global.put("scrape_interval", i);
        global.put("scrape_timeout", i);
        global.put("evaluation_interval", i);
        ArrayNode rules = config.putArray("rule_files");
        ruleFiles.forEach(r -> rules.add(r.toString()));
        for (JsonNode job : config.path("scrape_configs")) {
            String name = job.path("job_name").asText();
            List<String> t = targets.get(name);
            if (t == null) {
                throw new IllegalArgumentException("the test gives no target for scrape job " + name + " of "
                        + scrapeConfigFile() + " (jobs: " + jobs(config) + ")");
            }
            unknown.remove(name);
            ArrayNode statics = ((ObjectNode) job).putArray("static_configs");
            ArrayNode list = statics.addObject().putArray("targets");
            t.forEach(list::add);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no scrape job " + unknown + " in " + scrapeConfigFile());
        }
        return write(config);
    }

    /** The alerting rules of the rule file. */
    public static List<Alert> alerts() {
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode g : yaml(rulesFile()).path("groups")) {
            for (JsonNode r : g.path("rules")) {
                if (r.has("alert")) {
                    alerts.add(new Alert(g.path("name").asText(), r.path("alert").asText(), r.path("expr").asText(),
                            r.path("for").asText(null), strings(r.path("labels")), strings(r.path("annotations"))));
                }
            }
        }
        return alerts;
    }

    /** The rule file with every {@code for:} set to {@code forDuration} and no group-level interval. */
    public static String rulesWithFor(Duration forDuration) {
        ObjectNode rules = (ObjectNode) yaml(rulesFile());
        for (JsonNode g : rules.path("groups")) {
            ((ObjectNode) g).remove("interval");
            for (JsonNode r : g.path("rules")) {
                if (r.has("alert")) {
                    ((ObjectNode) r).put("for", forDuration.toMillis() + "ms");
                }
            }
        }
        return write(rules);
    }

    /**
     * Every query of every panel (rows' nested panels included), with the dashboard's template variables replaced by
     * their "All" value (or current value), {@code $__rate_interval} and {@code $__interval} by {@code rateInterval}
     * and {@code $__range} by {@code range}.
     */
    public static List<PanelQuery> panelQueries(String rateInterval, String range) {
        JsonNode d = dashboard();
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("__rate_interval", rateInterval);
        vars.put("__interval", rateInterval);
        vars.put("__range", range);
        for (JsonNode v : d.path("templating").path("list")) {
            if (v.path("type").asText().equals("datasource")) {
                continue;
            }
            String value = v.path("includeAll").asBoolean() && v.hasNonNull("allValue") ? v.path("allValue").asText()
                    : v.path("current").path("value").asText();
            vars.put(v.path("name").asText(), value);
        }
        List<String> names = new ArrayList<>(vars.keySet());
        names.sort(Comparator.comparingInt(String::length).reversed()); // $__rate_interval before $__range, ...
        List<PanelQuery> out = new ArrayList<>();
        for (JsonNode p : panels(d)) {
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText();
                for (String n : names) {
                    expr = expr.replace("${" + n + "}", vars.get(n)).replace("$" + n, vars.get(n));
                }
                if (expr.contains("$")) {
                    throw new IllegalStateException("panel " + p.path("id") + ": unknown variable in " + expr);
                }
                out.add(new PanelQuery(p.path("id").asInt(), p.path("title").asText(), t.path("refId").asText(), expr));
            }
        }
        return out;
    }

    /** Every panel of the dashboard, the panels nested in collapsed rows included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> m = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static String write(JsonNode node) {
        try {
            return YAML.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
