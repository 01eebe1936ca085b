package io.quorum.shared.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds an ONNX model in code (IR version 8, default-domain opset 17) and serialises it to the protobuf bytes ONNX
 * Runtime loads. Values are named strings; every op helper returns the name of its output. Weights become
 * initializers stored as little-endian raw data. A dimension of {@code -1} in an input or output is the symbolic
 * batch dimension {@code N}.
 *
 * <p>Typical use:
 * <pre>{@code
 * OnnxGraph g = OnnxGraph.create("scorer");
 * String x = g.input("x", 16);
 * String h = g.relu(g.gemm(x, g.weights("W1", w1, 16, 8), g.weights("b1", b1, 8)));
 * g.output(g.sigmoid(h), "p", -1, 8);
 * byte[] onnx = g.toBytes();
 * }</pre>
 * See {@code DESIGN.md} in this package for the protobuf field map and op conventions.
 */
public final class OnnxGraph {

    /** IR version written; ORT 1.24 loads IR 3..11. */
    public static final int IR_VERSION = 8;
    /** Default-domain opset written. */
    public static final int OPSET = 17;
    /** The symbolic batch dimension name. */
    public static final String BATCH = "N";

    private record ValueInfo(String name, DataType type, long[] dims) {
    }

    private record Initializer(String name, DataType type, long[] dims, byte[] raw) {
    }

    /** A node built here, or (with {@code encoded}) one embedded from another model, already renamed and encoded. */
    private record Node(String op, List<String> inputs, List<String> outputs, Map<String, Object> attrs, String name,
                        byte[] encoded) {
        Node(String op, List<String> inputs, List<String> outputs, Map<String, Object> attrs, String name) {
            this(op, inputs, outputs, attrs, name, null);
        }
    }

    /**
     * What {@link #embed} made of a model: the values its outputs became in this graph (output name to value name, in
     * the model's output order) and the model's metadata.
     */
    public record Embedded(Map<String, String> outputs, Map<String, String> metadata) {
        /** The value the embedded model's output {@code name} became. */
        public String output(String outputName) {
            String v = outputs.get(outputName);
            if (v == null) {
                throw new IllegalArgumentException("the embedded model has no output '" + outputName + "': " + outputs.keySet());
            }
            return v;
        }
    }

    private final String name;
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();
    /** Initializers embedded from other models: renamed {@code TensorProto}s, encoded. */
    private final List<byte[]> embeddedInitializers = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private String docString = "";
    private int counter;

    private OnnxGraph(String name) {
        this.name = name;
    }

    public static OnnxGraph create(String name) {
        return new OnnxGraph(name);
    }

    // ---------------------------------------------------------------- graph interface

    /** Declares a float input {@code [N, dims...]} (batch dimension first, dynamic). */
    public String input(String inputName, long... featureDims) {
        long[] dims = new long[featureDims.length + 1];
        dims[0] = -1;
        System.arraycopy(featureDims, 0, dims, 1, featureDims.length);
        return inputExact(inputName, DataType.FLOAT, dims);
    }

    /** Declares an input with exactly {@code dims} ({@code -1} = the batch dimension {@code N}). */
    public String inputExact(String inputName, DataType type, long... dims) {
        claim(inputName);
        inputs.add(new ValueInfo(inputName, type, dims.clone()));
        return inputName;
    }

    /**
     * Makes {@code value} a graph output called {@code outputName} with shape {@code dims} ({@code -1} = batch); an
     * Identity node renames it when the names differ.
     */
    public String output(String value, String outputName, long... dims) {
        return output(value, outputName, DataType.FLOAT, dims);
    }

    public String output(String value, String outputName, DataType type, long... dims) {
        String out = value;
        if (!value.equals(outputName)) {
            claim(outputName);
            nodes.add(new Node("Identity", List.of(value), List.of(outputName), Map.of(), "identity_" + outputName));
            out = outputName;
        }
        outputs.add(new ValueInfo(out, type, dims.clone()));
        return out;
    }

    /** A float initializer (weights). */
    public String weights(String weightName, float[] data, long... dims) {
        checkCount(data.length, dims, weightName);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        return initializer(weightName, DataType.FLOAT, dims, buf.array());
    }

    /** An int64 initializer (shapes, axes). */
    public String int64s(String constName, long[] data, long... dims) {
        checkCount(data.length, dims, constName);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(data);
        return initializer(constName, DataType.INT64, dims, buf.array());
    }

    /** A float scalar constant (rank 0). */
    public String scalar(float value) {
        return weights(fresh("const"), new float[] {value});
    }

    /** A 1-D int64 constant. */
    public String int64Vector(long... values) {
        return int64s(fresh("i64"), values, values.length);
    }

    private String initializer(String initName, DataType type, long[] dims, byte[] raw) {
        claim(initName);
        initializers.add(new Initializer(initName, type, dims.clone(), raw));
        return initName;
    }

    /** Adds a node with one output; returns the output name. */
    public String node(String op, List<String> nodeInputs, Map<String, Object> attrs) {
        return node(op, nodeInputs, 1, attrs).get(0);
    }

    /** Adds a node with {@code outputCount} outputs; returns their names. */
    public List<String> node(String op, List<String> nodeInputs, int outputCount, Map<String, Object> attrs) {
        String base = fresh(op.toLowerCase(java.util.Locale.ROOT));
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputCount; i++) {
            String o = outputCount == 1 ? base : base + "_" + i;
            claim(o);
            outs.add(o);
        }
        // attributes sorted by name: the same graph serialises to the same bytes in every JVM (Map.of's iteration order
        // is randomised per run), so a graph rebuilt from its parts can be checked against a recorded sha256
        nodes.add(new Node(op, List.copyOf(nodeInputs), outs, new java.util.TreeMap<>(attrs), base));
        return outs;
    }

    /** Stores a key/value pair in the model's {@code metadata_props} (read back by ORT as custom metadata). */
    public OnnxGraph metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public OnnxGraph docString(String doc) {
        this.docString = doc;
        return this;
    }

    /**
     * Embeds another model's graph into this one, side by side with what is here: every node, initializer and
     * intermediate value of {@code model} is renamed {@code prefix + name}; its graph inputs are bound to values of
     * this graph ({@code inputs}: the model's input name to a value here, e.g. {@code x -> x}, so several embedded
     * models share one input); its outputs become ordinary values here ({@link Embedded#outputs}). The model must be
     * written for this graph's opset (default domain, opset {@value #OPSET}) and have no subgraph attributes. This is
     * how ensembles of exported classifiers become one graph ({@code DigitEnsembleSpec}).
     *
     * @throws IllegalArgumentException when the model is not readable ONNX, uses another opset or domain, has an input
     *                                  not bound in {@code inputs}, or a renamed value collides with one here
     */
    public Embedded embed(byte[] model, String prefix, Map<String, String> inputs) {
        return embed(model, null, prefix, inputs);
    }

    /**
     * Embeds one part of another model: only its nodes and initializers whose names start with {@code part} (a model
     * embedded under that prefix before, e.g. one member {@code m7/} of a fused ensemble), renamed
     * {@code prefix + name without part}; its graph inputs bound as in {@link #embed(byte[], String, Map)}. Every value
     * the part reads must be its own or a bound input. {@link Embedded#outputs} is empty: the part's values are named
     * by the rule above.
     */
    public Embedded embedPart(byte[] model, String part, String prefix, Map<String, String> inputs) {
        return embed(model, part, prefix, inputs);
    }

    private Embedded embed(byte[] model, String part, String prefix, Map<String, String> inputs) {
        byte[] graph = null;
        Map<String, String> meta = new LinkedHashMap<>();
        for (ProtoReader.Field f : ProtoReader.fields(model)) {
            switch (f.number()) {
                case 7 -> graph = f.payload();
                case 8 -> {
                    String domain = "";
                    long version = -1;
                    for (ProtoReader.Field o : ProtoReader.fields(f.payload())) {
                        if (o.number() == 1) {
                            domain = o.string();
                        } else if (o.number() == 2) {
                            version = o.varint();
                        }
                    }
                    if (!(domain.isEmpty() || domain.equals("ai.onnx")) || version != OPSET) {
                        throw new IllegalArgumentException("cannot embed a model of opset " + (domain.isEmpty() ? "" : domain + " ")
                                + version + " into an opset " + OPSET + " graph");
                    }
                }
                case 14 -> {
                    String k = null;
                    String v = null;
                    for (ProtoReader.Field e : ProtoReader.fields(f.payload())) {
                        if (e.number() == 1) {
                            k = e.string();
                        } else if (e.number() == 2) {
                            v = e.string();
                        }
                    }
                    if (k != null) {
                        meta.put(k, v == null ? "" : v);
                    }
                }
                default -> { }
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("not an ONNX model: no graph");
        }
        List<ProtoReader.Field> fields = ProtoReader.fields(graph);
        java.util.Set<String> initNames = new HashSet<>();
        for (ProtoReader.Field f : fields) {
            if (f.number() == 5) {
                initNames.add(fieldString(f.payload(), 8));
            } else if (f.number() == 15) {
                throw new IllegalArgumentException("cannot embed a model with sparse initializers");
            }
        }
        Map<String, String> rename = new HashMap<>();
        for (ProtoReader.Field f : fields) {
            if (f.number() == 11) {
                String in = fieldString(f.payload(), 1);
                if (initNames.contains(in)) {
                    continue; // IR < 4 lists initializers as inputs too
                }
                String bound = inputs.get(in);
                if (bound == null || !names.contains(bound)) {
                    throw new IllegalArgumentException("the embedded model's input '" + in + "' is not bound to a value of "
                            + name + " (" + inputs + ")");
                }
                rename.put(in, bound);
            }
        }
        java.util.function.UnaryOperator<String> renamed = v -> v.isEmpty() ? v : rename.computeIfAbsent(v, k -> {
            if (part == null) {
                return prefix + k;
            }
            if (!k.startsWith(part)) {
                throw new IllegalArgumentException("part " + part + " reads '" + k + "', a value outside it");
            }
            return prefix + k.substring(part.length());
        });
        int index = 0;
        for (ProtoReader.Field f : fields) {
            if (f.number() == 5 && part != null && !fieldString(f.payload(), 8).startsWith(part)) {
                continue;
            }
            if (f.number() == 1 && part != null && !fieldString(f.payload(), 3).startsWith(part)) {
                continue;
            }
            if (f.number() == 5) {
                ProtoWriter t = new ProtoWriter();
                for (ProtoReader.Field tf : ProtoReader.fields(f.payload())) {
                    if (tf.number() == 8) {
                        String n = renamed.apply(tf.string());
                        claim(n);
                        t.string(8, n);
                    } else {
                        t.raw(tf.raw());
                    }
                }
                embeddedInitializers.add(t.toByteArray());
            } else if (f.number() == 1) {
                ProtoWriter n = new ProtoWriter();
                boolean named = false;
                List<String> outs = new ArrayList<>();
                for (ProtoReader.Field nf : ProtoReader.fields(f.payload())) {
                    switch (nf.number()) {
                        case 1 -> n.string(1, renamed.apply(nf.string()));
                        case 2 -> {
                            String o = renamed.apply(nf.string());
                            outs.add(o);
                            n.string(2, o);
                        }
                        case 3 -> {
                            n.string(3, prefix + (part == null ? nf.string() : nf.string().substring(part.length())));
                            named = true;
                        }
                        case 5 -> {
                            for (ProtoReader.Field af : ProtoReader.fields(nf.payload())) {
                                if (af.number() == 6 || af.number() == 11) {
                                    throw new IllegalArgumentException("cannot embed a node with a subgraph attribute");
                                }
                            }
                            n.raw(nf.raw());
                        }
                        case 7 -> {
                            if (!(nf.string().isEmpty() || nf.string().equals("ai.onnx"))) {
                                throw new IllegalArgumentException("cannot embed a node of domain " + nf.string());
                            }
                            n.raw(nf.raw());
                        }
                        default -> n.raw(nf.raw());
                    }
                }
                if (!named) {
                    n.string(3, prefix + "node_" + index);
                }
                index++;
                for (String o : outs) {
                    if (!o.isEmpty()) {
                        claim(o);
                    }
                }
                nodes.add(new Node(null, List.of(), outs, Map.of(), null, n.toByteArray()));
            }
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (ProtoReader.Field f : fields) {
            if (f.number() == 12 && part == null) {
                String o = fieldString(f.payload(), 1);
                String v = rename.get(o);
                if (v == null) {
                    throw new IllegalArgumentException("the embedded model's output '" + o + "' is produced by no node");
                }
                outputs.put(o, v);
            }
        }
        return new Embedded(outputs, meta);
    }

    /** The ONNX metadata ({@code metadata_props}) of a serialised model. */
    public static Map<String, String> metadataOf(byte[] model) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (ProtoReader.Field f : ProtoReader.fields(model)) {
            if (f.number() == 14) {
                meta.put(fieldString(f.payload(), 1), fieldString(f.payload(), 2));
            }
        }
        return meta;
    }

    private static String fieldString(byte[] message, int number) {
        for (ProtoReader.Field f : ProtoReader.fields(message)) {
            if (f.number() == number && f.wireType() == ProtoReader.LENGTH_DELIMITED) {
                return f.string();
            }
        }
        return "";
    }

    // ---------------------------------------------------------------- ops

    /** {@code a @ b + c} (Gemm; {@code b} is [in, out] unless {@code transB}). */
    public String gemm(String a, String b, String c) {
        return node("Gemm", List.of(a, b, c), Map.of());
    }

    public String gemm(String a, String b, String c, boolean transB) {
        return node("Gemm", List.of(a, b, c), transB ? Map.of("transB", 1L) : Map.of());
    }

    public String matMul(String a, String b) {
        return node("MatMul", List.of(a, b), Map.of());
    }

    public String add(String a, String b) {
        return node("Add", List.of(a, b), Map.of());
    }

    public String sub(String a, String b) {
        return node("Sub", List.of(a, b), Map.of());
    }

    public String mul(String a, String b) {
        return node("Mul", List.of(a, b), Map.of());
    }

    public String div(String a, String b) {
        return node("Div", List.of(a, b), Map.of());
    }

    public String max(String a, String b) {
        return node("Max", List.of(a, b), Map.of());
    }

    public String min(String a, String b) {
        return node("Min", List.of(a, b), Map.of());
    }

    /** {@code 1 / x}. */
    public String reciprocal(String x) {
        return node("Reciprocal", List.of(x), Map.of());
    }

    /** Clamps {@code x} to {@code [lo, hi]} (opset 11+: the bounds are scalar inputs). */
    public String clip(String x, float lo, float hi) {
        return node("Clip", List.of(x, scalar(lo), scalar(hi)), Map.of());
    }

    /** Parametric ReLU: {@code x >= 0 ? x : slope * x}, {@code slope} broadcast against {@code x}. */
    public String prelu(String x, String slope) {
        return node("PRelu", List.of(x, slope), Map.of());
    }

    public String abs(String x) {
        return node("Abs", List.of(x), Map.of());
    }

    public String sqrt(String x) {
        return node("Sqrt", List.of(x), Map.of());
    }

    public String neg(String x) {
        return node("Neg", List.of(x), Map.of());
    }

    public String exp(String x) {
        return node("Exp", List.of(x), Map.of());
    }

    public String log(String x) {
        return node("Log", List.of(x), Map.of());
    }

    public String relu(String x) {
        return node("Relu", List.of(x), Map.of());
    }

    public String elu(String x, float alpha) {
        return node("Elu", List.of(x), Map.of("alpha", alpha));
    }

    public String leakyRelu(String x, float alpha) {
        return node("LeakyRelu", List.of(x), Map.of("alpha", alpha));
    }

    public String sigmoid(String x) {
        return node("Sigmoid", List.of(x), Map.of());
    }

    public String tanh(String x) {
        return node("Tanh", List.of(x), Map.of());
    }

    public String softmax(String x, int axis) {
        return node("Softmax", List.of(x), Map.of("axis", (long) axis));
    }

    public String identity(String x) {
        return node("Identity", List.of(x), Map.of());
    }

    /** Inference-mode batch normalisation: {@code scale * (x - mean) / sqrt(var + eps) + bias}. */
    public String batchNorm(String x, String scale, String bias, String mean, String var, float epsilon) {
        return node("BatchNormalization", List.of(x, scale, bias, mean, var), Map.of("epsilon", epsilon));
    }

    public String concat(int axis, String... parts) {
        return node("Concat", List.of(parts), Map.of("axis", (long) axis));
    }

    /**
     * 2-D convolution, NCHW input, OIHW weights.
     *
     * @param bias      bias initializer or null
     * @param pads      [top, left, bottom, right]
     * @param dilations [h, w]
     */
    public String conv(String x, String w, String bias, long[] kernel, long[] strides, long[] pads, long[] dilations,
                       int group) {
        List<String> in = bias == null ? List.of(x, w) : List.of(x, w, bias);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("kernel_shape", kernel);
        a.put("strides", strides);
        a.put("pads", pads);
        a.put("dilations", dilations);
        a.put("group", (long) group);
        return node("Conv", in, a);
    }

    /** Transposed 2-D convolution (the input-gradient of {@link #conv}). */
    public String convTranspose(String x, String w, long[] kernel, long[] strides, long[] pads, long[] dilations,
                                long[] outputPadding) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("kernel_shape", kernel);
        a.put("strides", strides);
        a.put("pads", pads);
        a.put("dilations", dilations);
        a.put("output_padding", outputPadding);
        return node("ConvTranspose", List.of(x, w), a);
    }

    public String maxPool(String x, long[] kernel, long[] strides, long[] pads) {
        return node("MaxPool", List.of(x), Map.of("kernel_shape", kernel, "strides", strides, "pads", pads));
    }

    /** MaxPool returning values and flat argmax indices (for gradients). */
    public List<String> maxPoolWithIndices(String x, long[] kernel, long[] strides, long[] pads) {
        return node("MaxPool", List.of(x), 2, Map.of("kernel_shape", kernel, "strides", strides, "pads", pads));
    }

    public String averagePool(String x, long[] kernel, long[] strides, long[] pads, boolean countIncludePad) {
        return node("AveragePool", List.of(x), Map.of("kernel_shape", kernel, "strides", strides, "pads", pads,
                "count_include_pad", countIncludePad ? 1L : 0L));
    }

    public String flatten(String x, int axis) {
        return node("Flatten", List.of(x), Map.of("axis", (long) axis));
    }

    /** Reshape to {@code shape} (0 copies the input dimension, -1 infers one dimension). */
    public String reshape(String x, long... shape) {
        return node("Reshape", List.of(x, int64Vector(shape)), Map.of());
    }

    public String transpose(String x, long... perm) {
        return node("Transpose", List.of(x), Map.of("perm", perm));
    }

    /** Sum over {@code axes} (opset 13+: axes are an input). */
    public String reduceSum(String x, boolean keepDims, long... axes) {
        return node("ReduceSum", List.of(x, int64Vector(axes)), Map.of("keepdims", keepDims ? 1L : 0L));
    }

    /** Mean over {@code axes} (opset 17: axes are an attribute). */
    public String reduceMean(String x, boolean keepDims, long... axes) {
        return node("ReduceMean", List.of(x), Map.of("axes", axes, "keepdims", keepDims ? 1L : 0L));
    }

    /** Max over {@code axes} (opset 17: axes are an attribute). */
    public String reduceMax(String x, boolean keepDims, long... axes) {
        return node("ReduceMax", List.of(x), Map.of("axes", axes, "keepdims", keepDims ? 1L : 0L));
    }

    /** Removes the size-1 dimensions {@code axes} (opset 13+: axes are an input). */
    public String squeeze(String x, long... axes) {
        return node("Squeeze", List.of(x, int64Vector(axes)), Map.of());
    }

    /**
     * Constant padding: {@code pads} are {@code [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]} (ONNX order),
     * the new cells hold {@code value}.
     */
    public String pad(String x, long[] pads, float value) {
        return node("Pad", List.of(x, int64Vector(pads), scalar(value)), Map.of("mode", "constant"));
    }

    /** {@code a @ b + c} with either operand transposed first (Gemm). */
    public String gemm(String a, String b, String c, boolean transA, boolean transB) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        if (transA) {
            attrs.put("transA", 1L);
        }
        if (transB) {
            attrs.put("transB", 1L);
        }
        return node("Gemm", List.of(a, b, c), attrs);
    }

    /** Row-wise L2 normalisation along {@code axis}: {@code x / max(||x||, eps)}. */
    public String l2Normalize(String x, int axis, float eps) {
        String norm = sqrt(reduceSum(mul(x, x), true, axis));
        return div(x, max(norm, scalar(eps)));
    }

    /** Euclidean distance between rows of {@code a} and {@code b}: {@code sqrt(max(sum((a-b)^2), eps))}, [N, 1]. */
    public String euclideanDistance(String a, String b, float eps) {
        String d = sub(a, b);
        return sqrt(max(reduceSum(mul(d, d), true, 1), scalar(eps)));
    }

    /** Cosine distance {@code 1 - cos(a, b)} between rows, [N, 1]. */
    public String cosineDistance(String a, String b, float eps) {
        String dot = reduceSum(mul(l2Normalize(a, 1, eps), l2Normalize(b, 1, eps)), true, 1);
        return sub(scalar(1f), dot);
    }

    // ---------------------------------------------------------------- serialisation

    /** The serialised {@code ModelProto}. */
    public byte[] toBytes() {
        ProtoWriter graph = new ProtoWriter();
        for (Node n : nodes) {
            if (n.encoded() != null) {
                graph.bytes(1, n.encoded());
            } else {
                graph.message(1, node(n));
            }
        }
        graph.string(2, name);
        for (Initializer i : initializers) {
            graph.message(5, tensor(i));
        }
        for (byte[] t : embeddedInitializers) {
            graph.bytes(5, t);
        }
        if (!docString.isEmpty()) {
            graph.string(10, docString);
        }
        for (ValueInfo v : inputs) {
            graph.message(11, valueInfo(v));
        }
        for (ValueInfo v : outputs) {
            graph.message(12, valueInfo(v));
        }
        ProtoWriter model = new ProtoWriter();
        model.int64(1, IR_VERSION);
        model.string(2, "quorum");
        model.string(3, "1");
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").int64(2, OPSET));
        for (var e : metadata.entrySet()) {
            model.message(14, new ProtoWriter().string(1, e.getKey()).string(2, e.getValue()));
        }
        return model.toByteArray();
    }

    public Path write(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.write(file, toBytes());
        return file;
    }

    private static ProtoWriter node(Node n) {
        ProtoWriter w = new ProtoWriter();
        for (String in : n.inputs()) {
            w.string(1, in);
        }
        for (String out : n.outputs()) {
            w.string(2, out);
        }
        w.string(3, n.name());
        w.string(4, n.op());
        for (var e : n.attrs().entrySet()) {
            w.message(5, attribute(e.getKey(), e.getValue()));
        }
        return w;
    }

    private static ProtoWriter attribute(String attrName, Object value) {
        ProtoWriter a = new ProtoWriter().string(1, attrName);
        if (value instanceof Float f) {
            a.float32(2, f).int64(20, 1);
        } else if (value instanceof Double d) {
            a.float32(2, d.floatValue()).int64(20, 1);
        } else if (value instanceof Long l) {
            a.int64(3, l).int64(20, 2);
        } else if (value instanceof Integer i) {
            a.int64(3, i).int64(20, 2);
        } else if (value instanceof String s) {
            a.string(4, s).int64(20, 3);
        } else if (value instanceof float[] fs) {
            for (float f : fs) {
                a.float32(7, f);
            }
            a.int64(20, 6);
        } else if (value instanceof long[] ls) {
            for (long l : ls) {
                a.int64(8, l);
            }
            a.int64(20, 7);
        } else if (value instanceof int[] is) {
            for (int i : is) {
                a.int64(8, i);
            }
            a.int64(20, 7);
        } else {
            throw new IllegalArgumentException("unsupported attribute type for " + attrName + ": " + value.getClass());
        }
        return a;
    }

    private static ProtoWriter tensor(Initializer i) {
        ProtoWriter t = new ProtoWriter();
        for (long d : i.dims()) {
            t.int64(1, d);
        }
        t.int64(2, i.type().code);
        t.string(8, i.name());
        t.bytes(9, i.raw());
        return t;
    }

    private static ProtoWriter valueInfo(ValueInfo v) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : v.dims()) {
            ProtoWriter dim = new ProtoWriter();
            if (d < 0) {
                dim.string(2, BATCH);
            } else {
                dim.int64(1, d);
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().int64(1, v.type().code).message(2, shape);
        ProtoWriter type = new ProtoWriter().message(1, tensorType);
        return new ProtoWriter().string(1, v.name()).message(2, type);
    }

    private static void checkCount(int n, long[] dims, String what) {
        long expected = 1;
        for (long d : dims) {
            expected *= d;
        }
        if (expected != n) {
            throw new IllegalArgumentException(what + ": dims " + Arrays.toString(dims) + " need " + expected
                    + " values, got " + n);
        }
    }

    private void claim(String valueName) {
        if (!names.add(valueName)) {
            throw new IllegalArgumentException("value name '" + valueName + "' is already used in graph " + name);
        }
    }

    private String fresh(String prefix) {
        String n;
        do {
            n = prefix + "_" + (counter++);
        } while (names.contains(n));
        return n;
    }
}
