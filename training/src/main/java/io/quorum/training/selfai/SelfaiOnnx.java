package io.quorum.training.selfai;

import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.training.export.Dl4jOnnxExporter;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A trained Selfai network as an {@code image-scorer} ({@link ImageScorerSpec}): the DL4J network exported by the
 * shared exporter (input {@value #INNER_INPUT} NCHW {@code [N, 3, S, S]} in {@code v/255 - 0.5}, output
 * {@code score}), embedded behind the spec's input: {@code image} NHWC {@code [N, S, S, 3]} RGB 0..255 -> Transpose ->
 * {@code * 1/255 - 0.5}. S is the network's own side (64 by default), declared in {@value ImageScorerSpec#META_SIZE};
 * the spec fixes S per model (224 is faceres'), and the service resizes crops to {@code ImageScorerSpec.size(...)}, so
 * no spec change is needed.
 */
public final class SelfaiOnnx {

    /** The input name of the inner (DL4J-exported) graph. */
    public static final String INNER_INPUT = "x";

    private SelfaiOnnx() {
    }

    /** The exported DL4J network alone (NCHW, normalised input): what parity is first checked on. */
    public static byte[] inner(MultiLayerNetwork net, int side) {
        return Dl4jOnnxExporter.export(net, INNER_INPUT, new long[] {3, side, side}, ImageScorerSpec.OUTPUT, Map.of());
    }

    /** The served graph: {@code inner} behind the spec's NHWC 0..255 input, with {@code metadata}. */
    public static byte[] scorer(byte[] inner, int side, Map<String, String> metadata) {
        OnnxGraph g = OnnxGraph.create(ImageScorerSpec.MODEL_NAME);
        String x = g.input(ImageScorerSpec.INPUT, side, side, 3);
        String nchw = g.transpose(x, 0, 3, 1, 2);
        String scaled = g.add(g.mul(nchw, g.scalar(1f / 255f)), g.scalar(-0.5f));
        OnnxGraph.Embedded net = g.embed(inner, "selfai/", Map.of(INNER_INPUT, scaled));
        g.output(net.output(ImageScorerSpec.OUTPUT), ImageScorerSpec.OUTPUT, -1, 1);
        g.metadata(ImageScorerSpec.META_SIZE, Integer.toString(side));
        metadata.forEach(g::metadata);
        return g.toBytes();
    }
}
