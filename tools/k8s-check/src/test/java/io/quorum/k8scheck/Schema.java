package io.quorum.k8scheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A schema for the custom resources that have no typed model here (KEDA, Strimzi), in a subset of JSON Schema:
 * {@code type} (one or a list of object, array, string, integer, number, boolean), {@code properties},
 * {@code required}, {@code additionalProperties} (false or a schema; absent on an object: false, so every field
 * must be declared), {@code items}, {@code enum}, {@code minimum}, {@code maximum}, {@code pattern},
 * {@code minItems}, {@code anyOf}, and {@code x-fabric8: <class>} (the subtree also binds strictly to that fabric8 type,
 * e.g. ObjectMeta or an HPA behavior). The files are under {@code src/test/resources/schemas/<group>/<version>/}
 * and follow the CRDs' OpenAPI schemas for the fields Quorum uses.
 */
final class Schema {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private final JsonNode root;

    private Schema(JsonNode root) {
        this.root = root;
    }

    /** The schema of {@code apiVersion/kind}, e.g. {@code keda.sh/v1alpha1/ScaledObject}. */
    static Schema forKind(String key) {
        return LOADED.computeIfAbsent(key, k -> {
            String resource = "/schemas/" + k + ".yaml";
            try (InputStream in = Schema.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no schema " + resource);
                }
                return new Schema(YAML.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    void validate(JsonNode value, String path, List<String> errors, String id) {
        check(root, value, path, errors, id);
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<String> errors, String id) {
        String at = id + (path.isEmpty() ? "" : " " + path) + ": ";
        if (schema.has("x-fabric8")) {
            try {
                Class<?> type = Class.forName(schema.get("x-fabric8").asText());
                errors.addAll(Validator.typedErrors(value, type, id + " " + path));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("schema names an unknown class", e);
            }
        }
        if (schema.has("anyOf")) {
            List<String> best = null;
            for (JsonNode alternative : schema.get("anyOf")) {
                List<String> e = new ArrayList<>();
                check(alternative, value, path, e, id);
                if (e.isEmpty()) {
                    best = List.of();
                    break;
                }
                if (best == null || e.size() < best.size()) {
                    best = e;
                }
            }
            if (best != null && !best.isEmpty()) {
                errors.add(at + "matches none of anyOf, e.g. " + best);
            }
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
            errors.add(at + "expected " + schema.get("type") + ", got " + value.getNodeType() + " " + value);
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                errors.add(at + value + " is not one of " + schema.get("enum"));
            }
        }
        if (schema.has("pattern") && value.isTextual() && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).matches()) {
            errors.add(at + "'" + value.asText() + "' does not match " + schema.get("pattern").asText());
        }
        if (schema.has("minimum") && value.isNumber() && value.asDouble() < schema.get("minimum").asDouble()) {
            errors.add(at + value + " below the minimum " + schema.get("minimum"));
        }
        if (schema.has("maximum") && value.isNumber() && value.asDouble() > schema.get("maximum").asDouble()) {
            errors.add(at + value + " above the maximum " + schema.get("maximum"));
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                errors.add(at + "fewer than " + schema.get("minItems") + " items");
            }
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) {
                    check(schema.get("items"), value.get(i), path + "[" + i + "]", errors, id);
                }
            }
        }
        if (value.isObject() && (schema.has("properties") || schema.has("additionalProperties") || schema.has("required"))) {
            JsonNode properties = schema.path("properties");
            for (JsonNode r : schema.path("required")) {
                if (!value.has(r.asText())) {
                    errors.add(at + "required field " + r.asText() + " missing");
                }
            }
            JsonNode additional = schema.get("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String child = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                if (properties.has(f.getKey())) {
                    check(properties.get(f.getKey()), f.getValue(), child, errors, id);
                } else if (additional != null && additional.isObject()) {
                    check(additional, f.getValue(), child, errors, id);
                } else if (additional == null || !additional.asBoolean()) {
                    errors.add(at + "unknown field " + f.getKey());
                }
            }
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(t, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalStateException("unknown schema type " + type);
        };
    }
}
