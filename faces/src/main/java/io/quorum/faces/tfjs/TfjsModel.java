package io.quorum.faces.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TF.js graph model ({@code format: graph-model}) read from its {@code model.json} topology and binary weight
 * shards: the nodes in file order and every weight dequantised to float32 (or int32). Quantised weights are expanded
 * here, once: {@code float16} halves are widened, {@code uint8}/{@code uint16} codes become
 * {@code code * scale + min}.
 */
public final class TfjsModel {

    /** A node of the topology: {@code inputs} are node names with any {@code :k} output index kept, control inputs dropped. */
    public record Node(String name, String op, List<String> inputs, JsonNode attrs) {

        /** An integer-list attribute ({@code strides}, {@code ksize}, {@code dilations}), or null when absent. */
        public long[] ints(String attr) {
            JsonNode a = attrs.path(attr).path("list").path("i");
            if (a.isMissingNode()) {
                return null;
            }
            long[] out = new long[a.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.get(i).asLong();
            }
            return out;
        }

        /** A string attribute (base64 in the JSON), or {@code dflt} when absent. */
        public String string(String attr, String dflt) {
            JsonNode s = attrs.path(attr).path("s");
            return s.isMissingNode() ? dflt : new String(Base64.getDecoder().decode(s.asText()), java.nio.charset.StandardCharsets.UTF_8);
        }

        /** A string-list attribute ({@code fused_ops}). */
        public List<String> strings(String attr) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : attrs.path(attr).path("list").path("s")) {
                out.add(new String(Base64.getDecoder().decode(s.asText()), java.nio.charset.StandardCharsets.UTF_8));
            }
            return out;
        }

        public boolean bool(String attr, boolean dflt) {
            JsonNode b = attrs.path(attr).path("b");
            return b.isMissingNode() ? dflt : b.asBoolean();
        }

        public float floatAttr(String attr, float dflt) {
            JsonNode f = attrs.path(attr).path("f");
            return f.isMissingNode() ? dflt : (float) f.asDouble();
        }

        /** The placeholder's declared shape ({@code -1} = unknown). */
        public long[] shape() {
            JsonNode dims = attrs.path("shape").path("shape").path("dim");
            long[] out = new long[dims.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = dims.get(i).path("size").asLong(-1);
            }
            return out;
        }
    }

    /** A weight tensor, dequantised: float32 data in {@code floats} or int32 data in {@code ints}. */
    public record Weight(String name, long[] shape, float[] floats, int[] ints) {
        public boolean isInt() {
            return ints != null;
        }

        public int size() {
            return isInt() ? ints.length : floats.length;
        }
    }

    private final String name;
    private final List<Node> nodes;
    private final Map<String, Weight> weights;
    private final JsonNode json;

    private TfjsModel(String name, List<Node> nodes, Map<String, Weight> weights, JsonNode json) {
        this.name = name;
        this.nodes = nodes;
        this.weights = weights;
        this.json = json;
    }

    /** Reads {@code <dir>/<name>.json} and the shards its manifest names (relative to {@code dir}). */
    public static TfjsModel read(Path dir, String name) {
        return read(dir.resolve(name + ".json"));
    }

    public static TfjsModel read(Path modelJson) {
        try {
            JsonNode root = Json.mapper().readTree(Files.readAllBytes(modelJson));
            if (!"graph-model".equals(root.path("format").asText())) {
                throw new IllegalArgumentException(modelJson + ": not a TF.js graph model (format '"
                        + root.path("format").asText() + "')");
            }
            List<Node> nodes = new ArrayList<>();
            for (JsonNode n : root.path("modelTopology").path("node")) {
                List<String> in = new ArrayList<>();
                for (JsonNode i : n.path("input")) {
                    if (!i.asText().startsWith("^")) {
                        in.add(i.asText());
                    }
                }
                nodes.add(new Node(n.path("name").asText(), n.path("op").asText(), List.copyOf(in), n.path("attr")));
            }
            if (root.path("modelTopology").has("library") && root.path("modelTopology").path("library").has("function")) {
                throw new IllegalArgumentException(modelJson + ": graph functions (control flow) are not supported");
            }
            Path dir = modelJson.toAbsolutePath().getParent();
            Map<String, Weight> weights = new LinkedHashMap<>();
            for (JsonNode group : root.path("weightsManifest")) {
                var bytes = new java.io.ByteArrayOutputStream();
                for (JsonNode p : group.path("paths")) {
                    bytes.write(Files.readAllBytes(dir.resolve(p.asText())));
                }
                ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
                for (JsonNode w : group.path("weights")) {
                    Weight weight = readWeight(w, buf, modelJson);
                    weights.put(weight.name(), weight);
                }
                if (buf.hasRemaining()) {
                    throw new IllegalArgumentException(modelJson + ": " + buf.remaining() + " bytes of the shards are not described by the manifest");
                }
            }
            String fileName = modelJson.getFileName().toString();
            return new TfjsModel(fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - 5) : fileName,
                    List.copyOf(nodes), weights, root);
        } catch (IOException e) {
            throw new UncheckedIOException("reading TF.js model " + modelJson, e);
        }
    }

    private static Weight readWeight(JsonNode w, ByteBuffer buf, Path file) {
        String wName = w.path("name").asText();
        JsonNode shapeNode = w.path("shape");
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            count *= shape[i];
        }
        int n = Math.toIntExact(count);
        String dtype = w.path("dtype").asText();
        JsonNode q = w.path("quantization");
        if (buf.remaining() < n) {
            throw new IllegalArgumentException(file + ": weight " + wName + " runs past the end of its shards");
        }
        if (!q.isMissingNode()) {
            String qType = q.path("dtype").asText();
            float[] out = new float[n];
            switch (qType) {
                case "float16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = halfToFloat(buf.getShort());
                    }
                }
                case "uint8", "uint16" -> {
                    if (!q.has("scale") || !q.has("min")) {
                        throw new IllegalArgumentException(file + ": weight " + wName + " is " + qType + "-quantised without scale/min");
                    }
                    float scale = (float) q.path("scale").asDouble();
                    float min = (float) q.path("min").asDouble();
                    for (int i = 0; i < n; i++) {
                        int code = qType.equals("uint8") ? Byte.toUnsignedInt(buf.get()) : Short.toUnsignedInt(buf.getShort());
                        out[i] = code * scale + min;
                    }
                }
                default -> throw new IllegalArgumentException(file + ": weight " + wName + " has unsupported quantisation " + qType);
            }
            if (dtype.equals("int32")) {
                int[] ints = new int[n];
                for (int i = 0; i < n; i++) {
                    ints[i] = Math.round(out[i]);
                }
                return new Weight(wName, shape, null, ints);
            }
            return new Weight(wName, shape, out, null);
        }
        switch (dtype) {
            case "float32" -> {
                float[] out = new float[n];
                buf.asFloatBuffer().get(out);
                buf.position(buf.position() + 4 * n);
                return new Weight(wName, shape, out, null);
            }
            case "int32" -> {
                int[] out = new int[n];
                buf.asIntBuffer().get(out);
                buf.position(buf.position() + 4 * n);
                return new Weight(wName, shape, null, out);
            }
            default -> throw new IllegalArgumentException(file + ": weight " + wName + " has unsupported dtype " + dtype);
        }
    }

    /** IEEE 754 binary16 to float32 (exact: every half is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    public String name() {
        return name;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, Weight> weights() {
        return weights;
    }

    public Weight weight(String weightName) {
        Weight w = weights.get(weightName);
        if (w == null) {
            throw new IllegalArgumentException(name + ": no weight named " + weightName);
        }
        return w;
    }

    /** The raw {@code model.json}, for fields such as {@code convertedBy} and {@code signature}. */
    public JsonNode json() {
        return json;
    }

    /** A node's source name without the {@code :k} output suffix. */
    public static String nodeOf(String input) {
        int colon = input.lastIndexOf(':');
        return colon < 0 ? input : input.substring(0, colon);
    }

    /** The output index of an input reference ({@code name:k}), 0 when absent. */
    public static int outputIndexOf(String input) {
        int colon = input.lastIndexOf(':');
        if (colon < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(input.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
