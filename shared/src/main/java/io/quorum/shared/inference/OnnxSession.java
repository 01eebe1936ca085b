package io.quorum.shared.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One ONNX Runtime session with an explicit device policy, a signature read from the model, and batched runs
 * on plain Java arrays. Thread-safe: ORT sessions may be run concurrently.
 */
public final class OnnxSession implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OnnxSession.class);

    private final OrtSession session;
    private final String device;
    private final String deviceReason;
    private final ModelSignature signature;
    private final Map<String, String> metadata;

    private OnnxSession(OrtSession session, String device, String deviceReason) throws OrtException {
        this.session = session;
        this.device = device;
        this.deviceReason = deviceReason;
        this.signature = new ModelSignature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
        this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
    }

    /** The process-wide ORT environment. */
    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "quorum");
    }

    /** Opens the model at {@code path}. */
    public static OnnxSession open(Path path, InferenceOptions options) throws OrtException {
        return open(path.toString(), null, options);
    }

    /** Opens a model held in memory. */
    public static OnnxSession open(byte[] model, InferenceOptions options) throws OrtException {
        return open(null, model, options);
    }

    private static OnnxSession open(String path, byte[] bytes, InferenceOptions options) throws OrtException {
        OrtEnvironment env = environment();
        DeviceChoice choice = null;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (options.interOpThreads() > 0) {
                so.setInterOpNumThreads(options.interOpThreads());
            }
            String spin = options.spinWait() ? "1" : "0";
            so.addConfigEntry("session.intra_op.allow_spinning", spin);
            so.addConfigEntry("session.inter_op.allow_spinning", spin);
            choice = chooseDevice(so, options);
            OrtSession s = path != null ? env.createSession(path, so) : env.createSession(bytes, so);
            OnnxSession result = new OnnxSession(s, choice.device(), choice.reason());
            DeviceReport.record(options.device(), choice.device(), choice.reason());
            return result;
        }
    }

    record DeviceChoice(String device, String reason) {
    }

    private static DeviceChoice chooseDevice(OrtSession.SessionOptions so, InferenceOptions options) {
        DevicePolicy policy = options.device();
        if (policy == DevicePolicy.CPU) {
            return new DeviceChoice("cpu", "requested cpu");
        }
        boolean built = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        String unavailable = null;
        if (built) {
            try {
                so.addCUDA(options.cudaDeviceId());
                return new DeviceChoice("cuda:" + options.cudaDeviceId(), "CUDA execution provider loaded");
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                unavailable = "CUDA execution provider failed to load: " + e.getMessage();
            }
        } else {
            unavailable = "this ONNX Runtime build has no CUDA execution provider (build with -Pgpu for onnxruntime_gpu)";
        }
        if (policy == DevicePolicy.CUDA) {
            DeviceReport.record(policy, DeviceReport.UNAVAILABLE, unavailable);
            throw new DeviceUnavailableException("quorum.inference.device=cuda but " + unavailable, null);
        }
        String reason = "auto: falling back to CPU because " + unavailable;
        if (DeviceReport.shouldLogFallback()) {
            LOG.warn(reason);
        }
        return new DeviceChoice("cpu", reason);
    }

    /** Reads the signature of a model file without keeping a session (used by publishers). */
    public static ModelSignature inspect(Path path) throws OrtException {
        try (OnnxSession s = open(path, InferenceOptions.cpu(1))) {
            return s.signature();
        }
    }

    public ModelSignature signature() {
        return signature;
    }

    /** Custom metadata properties stored in the model file ({@code metadata_props}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** {@code cpu} or {@code cuda:<id>}. */
    public String device() {
        return device;
    }

    /** Why this device was chosen. */
    public String deviceReason() {
        return deviceReason;
    }

    /**
     * Runs the model on {@code inputs} (by input name) and returns the requested outputs (all when none are named).
     *
     * @throws IllegalArgumentException when an input is missing, unknown, or has a shape the model does not accept
     */
    public Map<String, Tensor> run(Map<String, ? extends Tensor> inputs, String... outputs) throws OrtException {
        checkInputs(inputs);
        OrtEnvironment env = environment();
        Map<String, OnnxTensor> ortInputs = new LinkedHashMap<>();
        try {
            for (var e : inputs.entrySet()) {
                ortInputs.put(e.getKey(), toOrt(env, e.getValue()));
            }
            OrtSession.Result result = outputs.length == 0 ? session.run(ortInputs)
                    : session.run(ortInputs, new java.util.LinkedHashSet<>(Arrays.asList(outputs)));
            try (result) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), fromOrt(e.getKey(), e.getValue()));
                }
                return out;
            }
        } finally {
            for (OnnxTensor t : ortInputs.values()) {
                t.close();
            }
        }
    }

    /** Runs the model and returns one float output. */
    public FloatTensor runFloat(Map<String, ? extends Tensor> inputs, String output) throws OrtException {
        Tensor t = run(inputs, output).get(output);
        if (!(t instanceof FloatTensor f)) {
            throw new IllegalStateException("output '" + output + "' is not float32");
        }
        return f;
    }

    private void checkInputs(Map<String, ? extends Tensor> inputs) {
        for (String name : inputs.keySet()) {
            if (signature.input(name).isEmpty()) {
                throw new IllegalArgumentException("model has no input '" + name + "'; inputs are " + signature.inputs());
            }
        }
        for (TensorSpec spec : signature.inputs()) {
            Tensor t = inputs.get(spec.name());
            if (t == null) {
                throw new IllegalArgumentException("missing model input '" + spec.name() + "'");
            }
            String type = t instanceof FloatTensor ? "float32" : "int64";
            if (!type.equals(spec.type())) {
                throw new IllegalArgumentException("input '" + spec.name() + "' expects " + spec.type() + " but got " + type);
            }
            long[] shape = t.shape();
            boolean ok = shape.length == spec.rank();
            for (int i = 0; ok && i < shape.length; i++) {
                ok = spec.dim(i) < 0 || spec.dim(i) == shape[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("input '" + spec.name() + "' expects shape " + spec
                        + " but got " + Arrays.toString(shape));
            }
        }
    }

    private static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        if (t instanceof FloatTensor f) {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(f.data()), f.shape());
        }
        LongTensor l = (LongTensor) t;
        return OnnxTensor.createTensor(env, LongBuffer.wrap(l.data()), l.shape());
    }

    private static Tensor fromOrt(String name, OnnxValue value) throws OrtException {
        if (!(value instanceof OnnxTensor t)) {
            throw new IllegalStateException("output '" + name + "' is not a tensor");
        }
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        if (info.type == OnnxJavaType.FLOAT) {
            FloatBuffer fb = t.getFloatBuffer();
            float[] data = new float[fb.remaining()];
            fb.get(data);
            return new FloatTensor(data, shape);
        }
        if (info.type == OnnxJavaType.INT64) {
            LongBuffer lb = t.getLongBuffer();
            long[] data = new long[lb.remaining()];
            lb.get(data);
            return new LongTensor(data, shape);
        }
        throw new IllegalStateException("output '" + name + "' has unsupported type " + info.type);
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
        List<TensorSpec> specs = new ArrayList<>();
        for (NodeInfo n : infos.values()) {
            if (n.getInfo() instanceof TensorInfo ti) {
                specs.add(TensorSpec.of(n.getName(), typeName(ti.type), ti.getShape()));
            } else {
                specs.add(TensorSpec.of(n.getName(), "non-tensor"));
            }
        }
        return specs;
    }

    static String typeName(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case INT64 -> "int64";
            case INT32 -> "int32";
            case INT16 -> "int16";
            case INT8 -> "int8";
            case UINT8 -> "uint8";
            case BOOL -> "bool";
            case STRING -> "string";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("closing ONNX session failed", e);
        }
    }
}
