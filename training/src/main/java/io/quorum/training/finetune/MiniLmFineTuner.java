package io.quorum.training.finetune;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.quorum.shared.data.LabeledPair;
import io.quorum.text.MiniLmEmbedder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Fine-tunes the top {@code layers} transformer layers of a BERT-style sentence encoder (all-MiniLM-L6-v2 as exported
 * to ONNX by sentence-transformers/optimum) as a Siamese pair model, in SameDiff (DL4J's autodiff), and writes the
 * tuned weights back into the ONNX graph. See DESIGN.md in this package.
 *
 * <p>The layers below stay frozen and run on ONNX Runtime (the ONNX graph with the frozen part's last hidden state
 * as an extra output); the top layers, masked mean pooling, L2 normalisation and the cosine head
 * {@code p = sigmoid(scale * (cos(u, v) - offset))} run in SameDiff, rebuilt from the graph's initialisers. Both
 * sides of a pair share every weight. The result: the original ONNX file with the top layers' initialisers replaced
 * (same inputs, outputs and operators, so every MiniLM consumer serves it unchanged) and the head's two numbers.
 */
public final class MiniLmFineTuner implements AutoCloseable {

    /**
     * @param layers       top transformer layers to train (1 .. the encoder's depth)
     * @param epochs       passes over the training pairs
     * @param learningRate Adam learning rate of the transformer weights (the head learns {@link #HEAD_LR_FACTOR} times
     *                     faster)
     * @param batch        pairs per step
     * @param maxTokens    word pieces kept per text
     * @param seed         shuffling seed
     */
    public record Settings(int layers, int epochs, double learningRate, int batch, int maxTokens, long seed) {
        public Settings {
            if (layers < 1 || epochs < 1 || batch < 1 || maxTokens < 8 || !(learningRate > 0)) {
                throw new IllegalArgumentException("layers, epochs and batch must be >= 1, maxTokens >= 8, learningRate > 0");
            }
        }
    }

    /** The cosine head: {@code p = sigmoid(scale * (cos - offset))}. */
    public record Head(double scale, double offset) {
        public double probability(double cosine) {
            return 1 / (1 + Math.exp(-scale * (cosine - offset)));
        }
    }

    /** Progress after each step: steps done, steps in all, running mean training loss. */
    public interface Progress {
        void step(long done, long total, double loss);
    }

    /**
     * Head parameters are stored divided by this factor and multiplied back in the graph: with one Adam learning rate
     * for the whole graph, the head then moves this many times faster than the transformer weights.
     */
    static final double HEAD_LR_FACTOR = 30;
    private static final double INITIAL_SCALE = 15;
    private static final double INITIAL_OFFSET = 0.75;
    /** Linear layers of a transformer layer: parameter key prefix, node path, parameter path. */
    private static final String[][] LINEAR = {{"q", "attention/self/query", "attention.self.query"},
            {"k", "attention/self/key", "attention.self.key"}, {"v", "attention/self/value", "attention.self.value"},
            {"o", "attention/output/dense", "attention.output.dense"}, {"i", "intermediate/dense", "intermediate.dense"},
            {"o2", "output/dense", "output.dense"}};
    /** LayerNorms of a transformer layer: parameter key prefix, parameter path. */
    private static final String[][] NORMS = {{"ln1", "attention.output.LayerNorm"}, {"ln2", "output.LayerNorm"}};

    private final Onnx.ModelProto base;
    private final Settings settings;
    private final int depth;
    private final int first;
    private final int hidden;
    private final int heads;
    private final double epsilon;
    /** Parameter key ("l5qw") to initialiser name in the ONNX graph. */
    private final Map<String, String> initialiserOf = new LinkedHashMap<>();
    private final String cut;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession bottom;
    private final HuggingFaceTokenizer tokenizer;
    private final SameDiff sd;

    /**
     * @param onnx      the encoder's ONNX bytes (inputs {@code input_ids}, {@code attention_mask},
     *                  {@code token_type_ids}; output {@code last_hidden_state})
     * @param tokenizer its {@code tokenizer.json}
     */
    public MiniLmFineTuner(byte[] onnx, Path tokenizer, Settings settings) throws IOException, OrtException {
        this.base = Onnx.ModelProto.parseFrom(onnx);
        this.settings = settings;
        Onnx.GraphProto g = base.getGraph();
        Map<String, Onnx.TensorProto> inits = new HashMap<>();
        for (Onnx.TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Map<String, Onnx.NodeProto> nodes = new HashMap<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            nodes.put(n.getName(), n);
        }
        int d = 0;
        while (nodes.containsKey("/encoder/layer." + d + "/attention/self/query/MatMul")) {
            d++;
        }
        if (d == 0) {
            throw new IllegalArgumentException("not a BERT-style encoder graph: no /encoder/layer.0/attention/self/query/MatMul node");
        }
        if (settings.layers() > d) {
            throw new IllegalArgumentException("the encoder has " + d + " layers; cannot train the top " + settings.layers());
        }
        this.depth = d;
        this.first = d - settings.layers();
        Onnx.TensorProto q = inits.get(nodes.get("/encoder/layer.0/attention/self/query/MatMul").getInput(1));
        this.hidden = (int) q.getDims(0);
        this.heads = (int) constant(nodes.get("/encoder/layer.0/attention/self/Constant_2"), 12);
        this.epsilon = constant(nodes.get("/encoder/layer.0/output/LayerNorm/Constant_1"), 1e-12);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of " + heads + " heads");
        }
        for (int l = first; l < d; l++) {
            String node = "/encoder/layer." + l + "/";
            String param = "encoder.layer." + l + ".";
            for (String[] w : LINEAR) { // weight of a MatMul node, bias by parameter name
                map(l, w[0] + "w", matMulWeight(nodes, node + w[1] + "/MatMul"));
                map(l, w[0] + "b", param + w[2] + ".bias");
            }
            for (String[] n : NORMS) {
                map(l, n[0] + "g", param + n[1] + ".weight");
                map(l, n[0] + "b", param + n[1] + ".bias");
            }
        }
        for (String init : initialiserOf.values()) {
            if (!inits.containsKey(init)) {
                throw new IllegalArgumentException("the encoder graph has no initialiser " + init);
            }
        }
        this.cut = first == 0 ? "/embeddings/LayerNorm/Add_1_output_0"
                : "/encoder/layer." + (first - 1) + "/output/LayerNorm/Add_1_output_0";
        boolean cutExists = g.getNodeList().stream().anyMatch(n -> n.getOutputList().contains(cut));
        if (!cutExists) {
            throw new IllegalArgumentException("the encoder graph has no tensor " + cut);
        }
        Onnx.ModelProto withCut = base.toBuilder().setGraph(g.toBuilder().addOutput(Onnx.ValueInfoProto.newBuilder()
                .setName(cut).setType(Onnx.TypeProto.newBuilder().setTensorType(
                        Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE))))).build();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
        this.bottom = env.createSession(withCut.toByteArray(), options);
        this.tokenizer = io.quorum.text.Tokenizers.load(tokenizer, Map.of("padding", "true", "truncation", "true",
                "maxLength", Integer.toString(settings.maxTokens())));
        this.sd = graph(inits);
    }

    /** The parameter keys of one layer: weight and bias of each {@link #LINEAR}, gain and bias of each {@link #NORMS}. */
    private static List<String> layerKeys() {
        List<String> keys = new ArrayList<>();
        for (String[] w : LINEAR) {
            keys.add(w[0] + "w");
            keys.add(w[0] + "b");
        }
        for (String[] n : NORMS) {
            keys.add(n[0] + "g");
            keys.add(n[0] + "b");
        }
        return keys;
    }

    private void map(int layer, String key, String initialiser) {
        initialiserOf.put("l" + layer + key, initialiser);
    }

    private static String matMulWeight(Map<String, Onnx.NodeProto> nodes, String name) {
        Onnx.NodeProto n = nodes.get(name);
        if (n == null || n.getInputCount() != 2) {
            throw new IllegalArgumentException("the encoder graph has no MatMul node " + name);
        }
        return n.getInput(1);
    }

    /** The scalar value of a Constant node, or {@code fallback} when the node is missing or not a scalar. */
    private static double constant(Onnx.NodeProto node, double fallback) {
        if (node == null || node.getAttributeCount() == 0 || !node.getAttribute(0).hasT()) {
            return fallback;
        }
        Onnx.TensorProto t = node.getAttribute(0).getT();
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return switch (t.getDataType()) {
            case Onnx.TensorProto.DataType.FLOAT_VALUE -> raw.remaining() >= 4 ? raw.getFloat() : t.getFloatData(0);
            case Onnx.TensorProto.DataType.INT64_VALUE -> raw.remaining() >= 8 ? raw.getLong() : t.getInt64Data(0);
            default -> fallback;
        };
    }

    private static INDArray array(Onnx.TensorProto t) {
        FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] f = new float[fb.remaining()];
        fb.get(f);
        if (f.length == 0) {
            f = new float[t.getFloatDataCount()];
            for (int i = 0; i < f.length; i++) {
                f[i] = t.getFloatData(i);
            }
        }
        return Nd4j.create(f, t.getDimsList().stream().mapToLong(Long::longValue).toArray(), 'c');
    }

    // ---------------------------------------------------------------- graph

    private SameDiff graph(Map<String, Onnx.TensorProto> inits) {
        SameDiff g = SameDiff.create();
        List<Map<String, SDVariable>> layers = new ArrayList<>();
        for (int l = first; l < depth; l++) {
            Map<String, SDVariable> vars = new HashMap<>();
            for (String key : layerKeys()) {
                String name = "l" + l + key;
                vars.put(key, g.var(name, array(inits.get(initialiserOf.get(name)))));
            }
            layers.add(vars);
        }
        int b = settings.batch();
        SDVariable ha = g.placeHolder("hA", DataType.FLOAT, b, -1, hidden);
        SDVariable ma = g.placeHolder("mA", DataType.FLOAT, b, -1);
        SDVariable hb = g.placeHolder("hB", DataType.FLOAT, b, -1, hidden);
        SDVariable mb = g.placeHolder("mB", DataType.FLOAT, b, -1);
        SDVariable y = g.placeHolder("y", DataType.FLOAT, b, 1);
        SDVariable w = g.placeHolder("w", DataType.FLOAT, b, 1);
        SDVariable u = g.identity("u", encode(g, ha, ma, layers));
        SDVariable v = encode(g, hb, mb, layers);
        SDVariable cos = u.mul(v).sum(true, 1);
        SDVariable scale = g.var("headScale", Nd4j.scalar(DataType.FLOAT, INITIAL_SCALE / HEAD_LR_FACTOR).reshape(1, 1));
        SDVariable offset = g.var("headOffset", Nd4j.scalar(DataType.FLOAT, INITIAL_OFFSET / HEAD_LR_FACTOR).reshape(1, 1));
        SDVariable logit = g.identity("logit", cos.sub(offset.mul(HEAD_LR_FACTOR)).mul(scale.mul(HEAD_LR_FACTOR)));
        // binary cross-entropy on logits, written out: max(z, 0) - z*y + log(1 + exp(-|z|)), weighted mean over rows
        SDVariable bce = g.nn().relu(logit, 0).sub(logit.mul(y))
                .add(g.math().log(g.math().exp(g.math().abs(logit).neg()).add(1.0)));
        bce.mul(w).sum().div(w.sum()).rename("loss");
        g.setLossVariables("loss");
        g.setTrainingConfig(TrainingConfig.builder().updater(new Adam(settings.learningRate()))
                .dataSetFeatureMapping("hA", "mA", "hB", "mB", "w").dataSetLabelMapping("y").build());
        return g;
    }

    /** Top layers, masked mean pooling and L2 normalisation of {@code h [B, T, H]} under mask {@code m [B, T]}. */
    private SDVariable encode(SameDiff g, SDVariable h, SDVariable m, List<Map<String, SDVariable>> layers) {
        int b = settings.batch();
        int dh = hidden / heads;
        SDVariable maskBias = g.reshape(m.sub(1.0).mul(10000.0), b, 1, 1, -1);
        for (Map<String, SDVariable> p : layers) {
            SDVariable q = heads(g, dense(g, h, p.get("qw"), p.get("qb")), dh);
            SDVariable k = heads(g, dense(g, h, p.get("kw"), p.get("kb")), dh);
            SDVariable v = heads(g, dense(g, h, p.get("vw"), p.get("vb")), dh);
            SDVariable scores = g.mmul(q, k, false, true, false).div(Math.sqrt(dh)).add(maskBias);
            SDVariable ctx = g.reshape(g.permute(g.mmul(g.nn().softmax(scores, -1), v), 0, 2, 1, 3), b, -1, hidden);
            SDVariable a = layerNorm(g, dense(g, ctx, p.get("ow"), p.get("ob")).add(h), p.get("ln1g"), p.get("ln1b"));
            SDVariable inner = dense(g, a, p.get("iw"), p.get("ib"));
            SDVariable gelu = inner.mul(g.math().erf(inner.div(Math.sqrt(2.0))).add(1.0)).mul(0.5);
            h = layerNorm(g, dense(g, gelu, p.get("o2w"), p.get("o2b")).add(a), p.get("ln2g"), p.get("ln2b"));
        }
        SDVariable pooled = h.mul(g.reshape(m, b, -1, 1)).sum(1).div(m.sum(true, 1));
        return pooled.div(pooled.norm2(true, 1));
    }

    /** {@code x [B, T, in] · w [in, out] + bias}, through a 2-D product (SameDiff's tensorMmul gradient fails here). */
    private SDVariable dense(SameDiff g, SDVariable x, SDVariable w, SDVariable bias) {
        long in = w.getShape()[0];
        long out = w.getShape()[1];
        return g.reshape(g.reshape(x, -1, in).mmul(w).add(bias), settings.batch(), -1, out);
    }

    private SDVariable heads(SameDiff g, SDVariable x, int dh) {
        return g.permute(g.reshape(x, settings.batch(), -1, heads, dh), 0, 2, 1, 3);
    }

    private SDVariable layerNorm(SameDiff g, SDVariable x, SDVariable gain, SDVariable bias) {
        SDVariable centred = x.sub(x.mean(true, 2));
        SDVariable variance = centred.mul(centred).mean(true, 2);
        return centred.div(g.math().sqrt(variance.add(epsilon))).mul(gain).add(bias);
    }

    // ---------------------------------------------------------------- data

    /** Frozen-part output for {@code texts}: hidden states {@code [B, T, H]} and mask {@code [B, T]}, padded to B rows. */
    private INDArray[] frozen(List<String> texts) throws OrtException {
        Encoding[] enc = tokenizer.batchEncode(texts);
        int t = enc[0].getIds().length;
        long[][] ids = new long[texts.size()][];
        long[][] mask = new long[texts.size()][];
        for (int i = 0; i < enc.length; i++) {
            ids[i] = enc[i].getIds();
            mask[i] = enc[i].getAttentionMask();
        }
        float[][][] h;
        try (OnnxTensor idsT = OnnxTensor.createTensor(env, ids);
             OnnxTensor maskT = OnnxTensor.createTensor(env, mask);
             OnnxTensor typesT = OnnxTensor.createTensor(env, new long[texts.size()][t]);
             OrtSession.Result r = bottom.run(Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT),
                     java.util.Set.of(cut))) {
            h = (float[][][]) r.get(0).getValue();
        }
        int b = settings.batch();
        float[][][] hp = new float[b][][];
        float[][] mp = new float[b][t];
        for (int i = 0; i < b; i++) {
            int src = i < texts.size() ? i : 0; // padding rows repeat row 0 and carry weight 0
            hp[i] = h[src];
            for (int j = 0; j < t; j++) {
                mp[i][j] = mask[src][j];
            }
        }
        return new INDArray[] {Nd4j.create(hp), Nd4j.create(mp)};
    }

    private MultiDataSet batch(List<LabeledPair> pairs) throws OrtException {
        List<String> left = new ArrayList<>(pairs.size());
        List<String> right = new ArrayList<>(pairs.size());
        float[][] y = new float[settings.batch()][1];
        float[][] w = new float[settings.batch()][1];
        for (int i = 0; i < pairs.size(); i++) {
            left.add(pairs.get(i).left());
            right.add(pairs.get(i).right());
            y[i][0] = pairs.get(i).label() == 1 ? 1 : 0;
            w[i][0] = 1;
        }
        INDArray[] a = frozen(left);
        INDArray[] b = frozen(right);
        return new MultiDataSet(new INDArray[] {a[0], a[1], b[0], b[1], Nd4j.create(w)}, new INDArray[] {Nd4j.create(y)});
    }

    // ---------------------------------------------------------------- training and inference

    /**
     * Trains on {@code pairs} (labels 0/1). Batches hold texts of similar length (sorted within shuffled windows of
     * 50 batches), so padding stays small. {@code cancel} runs before every step and may throw to stop.
     */
    public void train(List<LabeledPair> pairs, Progress progress, Runnable cancel) throws OrtException {
        int b = settings.batch();
        long total = (long) settings.epochs() * ((pairs.size() + b - 1) / b);
        long done = 0;
        double lossSum = 0;
        double[] lastLoss = {Double.NaN};
        sd.setListeners(new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return operation == Operation.TRAINING;
            }

            // M2.1's training pass skips the op that computes the loss value (no gradient needs it), so the Loss
            // handed to iterationDone is zero; the loss is recomputed here from the logits, which backprop needs
            @Override
            public void opExecution(SameDiff s, At at, org.nd4j.linalg.dataset.api.MultiDataSet data, SameDiffOp op,
                                    OpContext context, INDArray[] outputs) {
                int i = op.getOutputsOfOp() == null ? -1 : op.getOutputsOfOp().indexOf("logit");
                if (i >= 0 && outputs != null && i < outputs.length) {
                    lastLoss[0] = bce(outputs[i], data.getLabels(0), data.getFeatures(4));
                }
            }
        });
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            List<LabeledPair> order = new ArrayList<>(pairs);
            Collections.shuffle(order, new Random(settings.seed() * 31 + epoch));
            List<List<LabeledPair>> batches = new ArrayList<>();
            for (int from = 0; from < order.size(); from += 50 * b) {
                List<LabeledPair> window = new ArrayList<>(order.subList(from, Math.min(order.size(), from + 50 * b)));
                window.sort(Comparator.comparingInt(p -> p.left().length() + p.right().length()));
                for (int i = 0; i < window.size(); i += b) {
                    batches.add(window.subList(i, Math.min(window.size(), i + b)));
                }
            }
            Collections.shuffle(batches, new Random(settings.seed() * 37 + epoch));
            for (List<LabeledPair> bt : batches) {
                cancel.run();
                MultiDataSet mds = batch(bt);
                sd.fit(mds);
                lossSum += lastLoss[0];
                done++;
                progress.step(done, total, lossSum / done);
            }
        }
    }

    /** Weighted mean binary cross-entropy of logits {@code z} against labels {@code y}, as the graph's loss. */
    static double bce(INDArray z, INDArray y, INDArray w) {
        double sum = 0;
        double weight = 0;
        for (int r = 0; r < z.length(); r++) {
            double zi = z.getDouble(r);
            double wi = w.getDouble(r);
            sum += wi * (Math.max(zi, 0) - zi * y.getDouble(r) + Math.log1p(Math.exp(-Math.abs(zi))));
            weight += wi;
        }
        return sum / Math.max(weight, 1e-12);
    }

    /** Sentence vectors from the tuned encoder (SameDiff), in input order. */
    public float[][] embed(List<String> texts) throws OrtException {
        float[][] out = new float[texts.size()][];
        int b = settings.batch();
        for (int from = 0; from < texts.size(); from += b) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + b));
            INDArray[] hm = frozen(chunk);
            Map<String, INDArray> feed = new HashMap<>();
            feed.put("hA", hm[0]);
            feed.put("mA", hm[1]);
            INDArray u = sd.output(feed, "u").get("u");
            for (int i = 0; i < chunk.size(); i++) {
                out[from + i] = u.getRow(i).toFloatVector();
            }
        }
        return out;
    }

    /** The trained head. */
    public Head head() {
        return new Head(sd.getVariable("headScale").getArr().getDouble(0) * HEAD_LR_FACTOR,
                sd.getVariable("headOffset").getArr().getDouble(0) * HEAD_LR_FACTOR);
    }

    /** Layers of the encoder, and the index of the first trained one. */
    public int depth() {
        return depth;
    }

    public int firstTrainedLayer() {
        return first;
    }

    /**
     * The encoder's ONNX bytes with the trained layers' initialisers replaced by the current weights, and
     * {@code metadata} added to the model's metadata properties (keys already present are replaced).
     */
    public byte[] exportEncoder(Map<String, String> metadata) {
        return exportEncoder(metadata, false);
    }

    /**
     * As {@link #exportEncoder(Map)}; with {@code baseTokens} the graph also keeps the base model's trained layers,
     * untuned, as a branch from the same frozen tensor whose last hidden state is the extra output
     * {@link MiniLmEmbedder#TOKEN_OUTPUT}: sentence vectors come from the tuned layers, token vectors (for token
     * alignment) from the base ones. The branch costs the trained layers once more when token vectors are fetched.
     */
    public byte[] exportEncoder(Map<String, String> metadata, boolean baseTokens) {
        Map<String, String> byInit = new HashMap<>();
        initialiserOf.forEach((key, init) -> byInit.put(init, key));
        Onnx.GraphProto.Builder g = base.getGraph().toBuilder();
        if (baseTokens) {
            addBaseBranch(g, byInit.keySet());
        }
        for (int i = 0; i < g.getInitializerCount(); i++) {
            String key = byInit.get(g.getInitializer(i).getName());
            if (key == null) {
                continue;
            }
            float[] values = sd.getVariable(key).getArr().castTo(DataType.FLOAT).dup('c').data().asFloat();
            ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(values);
            g.setInitializer(i, g.getInitializer(i).toBuilder().clearFloatData().setRawData(ByteString.copyFrom(raw.array())));
        }
        Onnx.ModelProto.Builder m = base.toBuilder().setGraph(g);
        for (int i = m.getMetadataPropsCount() - 1; i >= 0; i--) {
            if (metadata.containsKey(m.getMetadataProps(i).getKey())) {
                m.removeMetadataProps(i);
            }
        }
        metadata.forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build().toByteArray();
    }

    /**
     * Appends a copy of the trained layers' nodes to {@code g}: node and tensor names prefixed with {@code /base}, the
     * trained initialisers copied under prefixed names with their original values, the copy's last hidden state
     * named {@link MiniLmEmbedder#TOKEN_OUTPUT} and added as a graph output. Inputs from outside the trained layers
     * (the frozen tensor, the attention mask) are shared.
     */
    private void addBaseBranch(Onnx.GraphProto.Builder g, Set<String> trained) {
        Onnx.GraphProto original = base.getGraph();
        if (original.getOutputList().stream().anyMatch(o -> o.getName().equals(MiniLmEmbedder.TOKEN_OUTPUT))) {
            throw new IllegalArgumentException("the base encoder already has a " + MiniLmEmbedder.TOKEN_OUTPUT
                    + " output; fine-tune from the original MiniLM");
        }
        String prefix = "/base";
        Set<String> copied = new HashSet<>();
        boolean last = false;
        for (Onnx.NodeProto n : original.getNodeList()) {
            if (!inTrainedLayer(n.getName())) {
                continue;
            }
            Onnx.NodeProto.Builder c = n.toBuilder().setName(prefix + n.getName());
            for (int i = 0; i < c.getInputCount(); i++) {
                String in = c.getInput(i);
                if (copied.contains(in) || trained.contains(in)) {
                    c.setInput(i, prefix + (in.startsWith("/") ? "" : "/") + in);
                }
            }
            for (int o = 0; o < c.getOutputCount(); o++) {
                String out = c.getOutput(o);
                copied.add(out);
                boolean isLast = out.equals(MiniLmEmbedder.OUTPUT);
                last |= isLast;
                c.setOutput(o, isLast ? MiniLmEmbedder.TOKEN_OUTPUT : prefix + out);
            }
            g.addNode(c.build());
        }
        if (!last) {
            throw new IllegalArgumentException("the top layer does not produce " + MiniLmEmbedder.OUTPUT);
        }
        for (Onnx.TensorProto t : original.getInitializerList()) {
            if (trained.contains(t.getName())) {
                g.addInitializer(t.toBuilder().setName(prefix + (t.getName().startsWith("/") ? "" : "/") + t.getName()));
            }
        }
        Onnx.ValueInfoProto out = original.getOutputList().stream().filter(o -> o.getName().equals(MiniLmEmbedder.OUTPUT))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("the encoder has no " + MiniLmEmbedder.OUTPUT + " output"));
        g.addOutput(out.toBuilder().setName(MiniLmEmbedder.TOKEN_OUTPUT));
    }

    private boolean inTrainedLayer(String node) {
        for (int l = first; l < depth; l++) {
            if (node.startsWith("/encoder/layer." + l + "/")) {
                return true;
            }
        }
        return false;
    }

    /** Largest element-wise difference of two equally shaped row sets (parity checks). */
    public static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    @Override
    public void close() {
        tokenizer.close();
        try {
            bottom.close();
        } catch (OrtException e) {
            // closing a session only fails when it was already closed
        }
        for (SDVariable v : sd.variables()) { // release the off-heap arrays now rather than at the next GC
            INDArray a = v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE ? v.getArr() : null;
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }
}
