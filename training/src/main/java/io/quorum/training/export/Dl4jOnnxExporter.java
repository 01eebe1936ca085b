package io.quorum.training.export;

import io.quorum.shared.onnx.DataType;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.L2Vertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Exports trained DL4J networks to ONNX (IR 8, opset 17) through the shared {@link OnnxGraph} writer, with
 * inference semantics (batch normalisation on running statistics, dropout as identity).
 *
 * <p>Computation graphs may contain shared-weight towers built DL4J's way: a {@code StackVertex} stacks the inputs
 * on the minibatch dimension, the tower layers run once, {@code UnstackVertex}es take the parts apart. The export
 * runs the tower once per stacked input instead, referencing the same initializers, so a Siamese network becomes
 * one graph with two inputs and one copy of its weights. See {@code DESIGN.md} in this package.
 */
public final class Dl4jOnnxExporter {

    private Dl4jOnnxExporter() {
    }

    /**
     * Exports a {@link MultiLayerNetwork}.
     *
     * @param inputName  ONNX input name
     * @param inputShape per-example input shape ({@code [features]} or {@code [C, H, W]})
     * @param outputName ONNX output name
     */
    public static byte[] export(MultiLayerNetwork net, String inputName, long[] inputShape, String outputName,
                                Map<String, String> metadata) {
        return export(net, inputName, inputShape, outputName, null, metadata);
    }

    /**
     * Exports a {@link MultiLayerNetwork}, also exposing its last hidden layer: the value the last layer reads (after
     * its input preprocessor, flattened to {@code [N, F]}) becomes the output {@code featuresName} (none when null).
     */
    public static byte[] export(MultiLayerNetwork net, String inputName, long[] inputShape, String outputName,
                                String featuresName, Map<String, String> metadata) {
        OnnxGraph g = OnnxGraph.create("quorum-mln");
        LayerMapper m = new LayerMapper(g);
        LayerMapper.Value v = new LayerMapper.Value(g.inputExact(inputName, DataType.FLOAT, batched(inputShape)), inputShape);
        var conf = net.getLayerWiseConfigurations();
        int last = net.getnLayers() - 1;
        for (int i = 0; i <= last; i++) {
            v = m.preprocess(conf.getInputPreProcess(i), v);
            if (i == last && featuresName != null) {
                String f = v.shape().length == 1 ? v.name() : g.flatten(v.name(), 1);
                g.output(f, featuresName, -1, v.features());
            }
            v = m.layer("layer" + i, conf.getConf(i).getLayer(), net.getLayer(i).paramTable(), v);
        }
        g.output(v.name(), outputName, batched(v.shape()));
        metadata.forEach(g::metadata);
        return g.toBytes();
    }

    /**
     * Exports a {@link ComputationGraph}.
     *
     * @param inputShapes per-example shape of each network input (its ONNX input keeps the DL4J name)
     * @param outputNames ONNX name for each network output (DL4J name when absent)
     */
    public static byte[] export(ComputationGraph net, Map<String, long[]> inputShapes, Map<String, String> outputNames,
                                Map<String, String> metadata) {
        return export(net, inputShapes, outputNames, metadata, java.util.Set.of());
    }

    /**
     * As {@link #export(ComputationGraph, Map, Map, Map)}, also exposing the named vertices as extra outputs
     * ({@code <vertex>__<branch>}), to compare intermediate values with DL4J when a parity check fails.
     */
    public static byte[] export(ComputationGraph net, Map<String, long[]> inputShapes, Map<String, String> outputNames,
                                Map<String, String> metadata, java.util.Set<String> expose) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        OnnxGraph g = OnnxGraph.create("quorum-graph");
        LayerMapper m = new LayerMapper(g);
        Map<String, List<LayerMapper.Value>> values = new HashMap<>();
        for (String in : conf.getNetworkInputs()) {
            long[] shape = inputShapes.get(in);
            if (shape == null) {
                throw new ExportException("no shape given for network input " + in);
            }
            values.put(in, List.of(new LayerMapper.Value(g.inputExact(in, DataType.FLOAT, batched(shape)), shape)));
        }
        for (String name : conf.getTopologicalOrderStr()) {
            if (values.containsKey(name)) {
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(name);
            List<List<LayerMapper.Value>> inputs = new ArrayList<>();
            for (String in : conf.getVertexInputs().get(name)) {
                inputs.add(values.get(in));
            }
            values.put(name, vertex(m, net, name, vertex, inputs));
            if (expose.contains(name)) {
                List<LayerMapper.Value> v = values.get(name);
                for (int b = 0; b < v.size(); b++) {
                    g.output(g.identity(v.get(b).name()), name + "__" + b, batched(v.get(b).shape()));
                }
            }
        }
        for (String out : conf.getNetworkOutputs()) {
            List<LayerMapper.Value> v = values.get(out);
            if (v.size() != 1) {
                throw new ExportException("network output " + out + " is still stacked; unstack it before the output");
            }
            g.output(v.get(0).name(), outputNames.getOrDefault(out, out), batched(v.get(0).shape()));
        }
        metadata.forEach(g::metadata);
        return g.toBytes();
    }

    private static List<LayerMapper.Value> vertex(LayerMapper m, ComputationGraph net, String name, GraphVertex vertex,
                                                  List<List<LayerMapper.Value>> inputs) {
        OnnxGraph g = m.graph();
        if (vertex instanceof StackVertex) {
            List<LayerMapper.Value> branches = new ArrayList<>();
            for (List<LayerMapper.Value> in : inputs) {
                if (in.size() != 1) {
                    throw new ExportException("nested StackVertex " + name + " is not exported");
                }
                branches.add(in.get(0));
            }
            return branches;
        }
        if (vertex instanceof UnstackVertex u) {
            List<LayerMapper.Value> in = inputs.get(0);
            if (in.size() != u.getStackSize()) {
                throw new ExportException("UnstackVertex " + name + " expects " + u.getStackSize() + " stacked inputs, found "
                        + in.size());
            }
            return List.of(in.get(u.getFrom()));
        }
        int branches = inputs.stream().mapToInt(List::size).max().orElse(1);
        for (List<LayerMapper.Value> in : inputs) {
            if (in.size() != branches && in.size() != 1) {
                throw new ExportException("vertex " + name + " mixes inputs stacked " + in.size() + " and " + branches + " times");
            }
        }
        List<LayerMapper.Value> out = new ArrayList<>();
        for (int b = 0; b < branches; b++) {
            List<LayerMapper.Value> args = new ArrayList<>();
            for (List<LayerMapper.Value> in : inputs) {
                args.add(in.get(in.size() == 1 ? 0 : b));
            }
            out.add(single(m, net, name, vertex, args, g));
        }
        return out;
    }

    private static LayerMapper.Value single(LayerMapper m, ComputationGraph net, String name, GraphVertex vertex,
                                            List<LayerMapper.Value> args, OnnxGraph g) {
        LayerMapper.Value first = args.get(0);
        if (vertex instanceof LayerVertex lv) {
            LayerMapper.Value in = m.preprocess(lv.getPreProcessor(), first);
            return m.layer(name, lv.getLayerConf().getLayer(), net.getLayer(name).paramTable(), in);
        }
        if (vertex instanceof PreprocessorVertex pv) {
            return m.preprocess(pv.getPreProcessor(), first);
        }
        if (vertex instanceof ElementWiseVertex e) {
            String acc = first.name();
            for (int i = 1; i < args.size(); i++) {
                String next = args.get(i).name();
                acc = switch (e.getOp()) {
                    case Add, Average -> g.add(acc, next);
                    case Subtract -> g.sub(acc, next);
                    case Product -> g.mul(acc, next);
                    case Max -> g.max(acc, next);
                };
            }
            if (e.getOp() == ElementWiseVertex.Op.Average) {
                acc = g.mul(acc, g.scalar(1f / args.size()));
            }
            return new LayerMapper.Value(acc, first.shape());
        }
        if (vertex instanceof MergeVertex mv) {
            if (mv.getMergeAxis() != 1) {
                throw new ExportException("MergeVertex " + name + " merges along axis " + mv.getMergeAxis() + "; only 1 is exported");
            }
            String[] parts = args.stream().map(LayerMapper.Value::name).toArray(String[]::new);
            long[] shape = first.shape().clone();
            shape[0] = args.stream().mapToLong(a -> a.shape()[0]).sum();
            return new LayerMapper.Value(g.concat(1, parts), shape);
        }
        if (vertex instanceof L2Vertex) {
            String d = g.sub(first.name(), args.get(1).name());
            long[] axes = featureAxes(first.shape().length);
            String sum = g.reduceSum(g.mul(d, d), true, axes);
            String dist = g.sqrt(first.shape().length == 1 ? sum : g.flatten(sum, 1));
            return new LayerMapper.Value(dist, new long[] {1});
        }
        if (vertex instanceof L2NormalizeVertex n) {
            long[] axes = n.getDimension() == null || n.getDimension().length == 0
                    ? featureAxes(first.shape().length) : java.util.Arrays.stream(n.getDimension()).asLongStream().toArray();
            String norm = g.sqrt(g.reduceSum(g.mul(first.name(), first.name()), true, axes));
            return new LayerMapper.Value(g.div(first.name(), g.max(norm, g.scalar((float) n.getEps()))), first.shape());
        }
        if (vertex instanceof ScaleVertex s) {
            return new LayerMapper.Value(g.mul(first.name(), g.scalar((float) s.getScaleFactor())), first.shape());
        }
        if (vertex instanceof ShiftVertex s) {
            return new LayerMapper.Value(g.add(first.name(), g.scalar((float) s.getShiftFactor())), first.shape());
        }
        throw new ExportException("unsupported vertex " + name + ": " + vertex.getClass().getSimpleName());
    }

    private static long[] featureAxes(int featureRank) {
        long[] axes = new long[featureRank];
        for (int i = 0; i < featureRank; i++) {
            axes[i] = i + 1;
        }
        return axes;
    }

    static long[] batched(long[] shape) {
        long[] dims = new long[shape.length + 1];
        dims[0] = -1;
        System.arraycopy(shape, 0, dims, 1, shape.length);
        return dims;
    }
}
