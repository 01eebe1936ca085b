package io.quorum.training.export;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs the same batch through DL4J and through ONNX Runtime and reports the largest absolute difference. */
public final class Parity {

    /** The result: the largest difference and where the outputs were compared. */
    public record Result(double maxAbsDiff, int examples, long values) {
        public boolean within(double tolerance) {
            return maxAbsDiff <= tolerance;
        }
    }

    /** The default tolerance a published export must meet. */
    public static final double TOLERANCE = 1e-4;

    private Parity() {
    }

    public static Result check(MultiLayerNetwork net, byte[] onnx, String inputName, String outputName, INDArray batch)
            throws OrtException {
        INDArray expected = net.output(batch, false);
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            FloatTensor actual = s.runFloat(Map.of(inputName, tensor(batch)), outputName);
            return compare(expected, actual, batch.size(0));
        }
    }

    public static Result check(ComputationGraph net, byte[] onnx, Map<String, INDArray> inputs, String dl4jOutput,
                               String onnxOutput) throws OrtException {
        INDArray[] in = net.getConfiguration().getNetworkInputs().stream().map(inputs::get).toArray(INDArray[]::new);
        INDArray[] outs = net.output(false, in);
        int index = net.getConfiguration().getNetworkOutputs().indexOf(dl4jOutput);
        Map<String, FloatTensor> feed = new LinkedHashMap<>();
        inputs.forEach((k, v) -> feed.put(k, tensor(v)));
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            return compare(outs[index], s.runFloat(feed, onnxOutput), in[0].size(0));
        }
    }

    /**
     * Compares {@code expected} (computed with DL4J: an intermediate layer, an input gradient) with the ONNX output
     * {@code onnxOutput} of {@code onnx} fed {@code inputs}.
     */
    public static Result check(INDArray expected, byte[] onnx, Map<String, INDArray> inputs, String onnxOutput)
            throws OrtException {
        Map<String, FloatTensor> feed = new LinkedHashMap<>();
        inputs.forEach((k, v) -> feed.put(k, tensor(v)));
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            return compare(expected, s.runFloat(feed, onnxOutput), expected.size(0));
        }
    }

    /**
     * Like {@link #check(INDArray, byte[], Map, String)}, but the largest difference of each example (row of the first
     * dimension) on its own: for outputs that are piecewise in the input (an input gradient through ReLU and max
     * pooling), where one example at a tie may legitimately differ by a finite step between two exact runtimes.
     */
    public static double[] checkPerExample(INDArray expected, byte[] onnx, Map<String, INDArray> inputs,
                                           String onnxOutput) throws OrtException {
        Map<String, FloatTensor> feed = new LinkedHashMap<>();
        inputs.forEach((k, v) -> feed.put(k, tensor(v)));
        float[] a;
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            a = s.runFloat(feed, onnxOutput).data();
        }
        float[] e = expected.dup('c').castTo(DataType.FLOAT).data().asFloat();
        int examples = (int) expected.size(0);
        if (e.length != a.length || examples == 0 || e.length % examples != 0) {
            throw new ExportException("DL4J gives " + e.length + " output values, ONNX Runtime " + a.length);
        }
        int per = e.length / examples;
        double[] out = new double[examples];
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            out[i / per] = Math.max(out[i / per], Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
        }
        return out;
    }

    /**
     * The parity of a piecewise output (an input gradient through ReLU and max pooling) over a probe: the largest
     * per-example difference once the worst 5% of examples (at least one) are set aside. An example with a
     * pre-activation or a pooling window at a tie (within float32 rounding: the two runtimes sum convolutions in
     * different orders) takes one side in DL4J and the other in ONNX Runtime, and its gradient differs by a finite step
     * though both are exact. Measured on a one-epoch batch-norm VGG: most runs none of 256 images, some one (0.0017 where
     * the rest agree within 5e-8), one run in CI at least three. A wrong export differs on every example, which this
     * still catches.
     */
    public static double exceptTies(double[] perExample) {
        if (perExample.length == 0) {
            return 0;
        }
        double[] sorted = perExample.clone();
        Arrays.sort(sorted);
        int setAside = Math.max(1, sorted.length / 20);
        return sorted[Math.max(0, sorted.length - 1 - setAside)];
    }

    /** {@code a} as a float32 tensor of its shape. */
    public static FloatTensor tensor(INDArray a) {
        return FloatTensor.of(a.dup('c').castTo(DataType.FLOAT).data().asFloat(), a.shape());
    }

    private static Result compare(INDArray expected, FloatTensor actual, long examples) {
        float[] e = expected.dup('c').castTo(DataType.FLOAT).data().asFloat();
        float[] a = actual.data();
        if (e.length != a.length) {
            throw new ExportException("DL4J gives " + e.length + " output values, ONNX Runtime " + a.length);
        }
        double max = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (Double.isNaN(d)) {
                d = Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, d);
        }
        return new Result(max, (int) examples, e.length);
    }
}
