package io.quorum.shared.model;

import io.quorum.shared.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuses image classifiers ({@link DigitClassifierSpec} files, e.g. exported by the trainer or a published baseline)
 * into one ensemble graph pair ({@link DigitEnsembleSpec}): every member's graph is embedded side by side under its
 * own name prefix ({@code m0/}, {@code m1/}, ..., {@code baseline/}: nodes, weights and intermediate values renamed, the
 * input {@code x} shared), so one session and one call per batch give every member's probabilities.
 *
 * <p>{@link #model}: outputs {@code members [N, M, C]} (each member's {@code probabilities} unsqueezed at axis 1 and
 * concatenated in member order) and {@code probabilities [N, C]}, their mean.
 *
 * <p>{@link #gradient}: the exact input gradient of the mean-probability ensemble's cross-entropy from the members'
 * own gradient graphs. With one-hot labels, {@code L = -log(mean_m p_m,y)} and each member's graph gives
 * {@code l_m = -log p_m,y} and {@code g_m = d l_m / dx}; since {@code d p_m,y / dx = -p_m,y g_m},
 * {@code dL/dx = sum_m w_m g_m} with {@code w_m = p_m,y / sum_k p_k,y = softmax_m(-l_m)}, computed in log space (no
 * underflow when every member is sure of another class), and {@code L = log M - logsumexp_m(-l_m)}. The graph's
 * {@code labels} must be one-hot, as {@link DigitClassifierSpec} says.
 */
public final class EnsembleFusion {

    /**
     * A member: its name (the prefix of its values), its {@code model.onnx} and its {@code gradient.onnx}; either may be
     * null where the graph being built does not need it ({@link #model} needs the models, {@link #gradient} the
     * gradient graphs), so a large ensemble holds only one kind at a time.
     */
    public record Member(String name, byte[] model, byte[] gradient) {
        public Member {
            if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("member name must be letters, digits, '_', '.', '-': " + name);
            }
            if (model == null && gradient == null) {
                throw new IllegalArgumentException("member " + name + " has neither a model nor a gradient graph");
            }
        }

        /** The graph the member's metadata is read from. */
        byte[] anyGraph() {
            return model != null ? model : gradient;
        }
    }

    private EnsembleFusion() {
    }

    /**
     * The fused {@code model.onnx}. Its metadata: the first member's (image shape, classes, data set), then
     * {@code metadata}, then {@link DigitEnsembleSpec#META_MEMBERS} and {@link DigitEnsembleSpec#META_MEMBER_NAMES}.
     */
    public static byte[] model(List<Member> members, Map<String, String> metadata) {
        Shape shape = shape(members);
        OnnxGraph g = OnnxGraph.create("quorum-ensemble");
        String x = g.input(DigitClassifierSpec.INPUT, shape.pixels());
        List<String> probabilities = new ArrayList<>();
        for (Member m : members) {
            if (m.model() == null) {
                throw new IllegalArgumentException("member " + m.name() + " has no model.onnx");
            }
            probabilities.add(g.embed(m.model(), m.name() + "/", Map.of(DigitClassifierSpec.INPUT, x))
                    .output(DigitClassifierSpec.OUTPUT));
        }
        String stacked = stack(g, probabilities);
        g.output(stacked, DigitEnsembleSpec.MEMBERS, -1, members.size(), shape.classes());
        g.output(g.reduceMean(stacked, false, 1), DigitClassifierSpec.OUTPUT, -1, shape.classes());
        metadata(g, members, shape, metadata);
        return g.toBytes();
    }

    /**
     * The fused {@code gradient.onnx} of the mean-probability ensemble (see the class comment); also outputs
     * {@code members}. Every member needs its gradient graph.
     */
    public static byte[] gradient(List<Member> members, Map<String, String> metadata) {
        Shape shape = shape(members);
        OnnxGraph g = OnnxGraph.create("quorum-ensemble-gradient");
        String x = g.input(DigitClassifierSpec.INPUT, shape.pixels());
        String labels = g.input(DigitClassifierSpec.LABELS, shape.classes());
        List<String> probabilities = new ArrayList<>();
        List<String> logLikelihoods = new ArrayList<>();
        List<String> gradients = new ArrayList<>();
        for (Member m : members) {
            if (m.gradient() == null) {
                throw new IllegalArgumentException("member " + m.name() + " has no " + DigitClassifierSpec.GRADIENT_ARTIFACT);
            }
            OnnxGraph.Embedded e = g.embed(m.gradient(), m.name() + "/", Map.of(DigitClassifierSpec.INPUT, x,
                    DigitClassifierSpec.LABELS, labels));
            probabilities.add(e.output(DigitClassifierSpec.OUTPUT));
            logLikelihoods.add(g.reshape(g.neg(e.output(DigitClassifierSpec.LOSS)), 0, 1)); // [N] -> [N, 1]
            gradients.add(e.output(DigitClassifierSpec.GRADIENT));
        }
        String stacked = stack(g, probabilities);
        g.output(g.reduceMean(stacked, false, 1), DigitClassifierSpec.OUTPUT, -1, shape.classes());
        String logp = logLikelihoods.size() == 1 ? logLikelihoods.get(0) : g.concat(1, logLikelihoods.toArray(String[]::new));
        String loss = g.sub(g.scalar((float) Math.log(members.size())),
                g.node("ReduceLogSumExp", List.of(logp), Map.of("axes", new long[] {1}, "keepdims", 0L)));
        g.output(loss, DigitClassifierSpec.LOSS, -1);
        String weights = g.node("Unsqueeze", List.of(g.softmax(logp, 1), g.int64Vector(2)), Map.of()); // [N, M, 1]
        String gradient = g.reduceSum(g.mul(stack(g, gradients), weights), false, 1);
        g.output(gradient, DigitClassifierSpec.GRADIENT, -1, shape.pixels());
        g.output(stacked, DigitEnsembleSpec.MEMBERS, -1, members.size(), shape.classes());
        metadata(g, members, shape, metadata);
        return g.toBytes();
    }

    /**
     * Member {@code name} of a fused {@code model.onnx}, taken back out as a classifier of its own (input {@code x},
     * output {@code probabilities}, the fused graph's image metadata): the same nodes and weights, for comparing one
     * fused session with one session per member ({@code ./quorum bench ensemble}).
     */
    public static byte[] member(byte[] fused, String name) {
        Map<String, String> meta = OnnxGraph.metadataOf(fused);
        String names = meta.getOrDefault(DigitEnsembleSpec.META_MEMBER_NAMES, "");
        if (!List.of(names.split(",")).contains(name)) {
            throw new IllegalArgumentException("the ensemble has no member '" + name + "' (members: " + names + ")");
        }
        int[] hw = DigitClassifierSpec.shape(meta);
        int classes = DigitClassifierSpec.classNames(meta, 0).size();
        OnnxGraph g = OnnxGraph.create("quorum-ensemble-member-" + name);
        String x = g.input(DigitClassifierSpec.INPUT, (long) hw[0] * hw[1]);
        g.embedPart(fused, name + "/", "", Map.of(DigitClassifierSpec.INPUT, x));
        g.output(DigitClassifierSpec.OUTPUT, DigitClassifierSpec.OUTPUT, -1, classes);
        for (String key : List.of(DigitClassifierSpec.META_HEIGHT, DigitClassifierSpec.META_WIDTH,
                DigitClassifierSpec.META_CLASSES, DigitClassifierSpec.META_DATASET)) {
            if (meta.containsKey(key)) {
                g.metadata(key, meta.get(key));
            }
        }
        return g.toBytes();
    }

    /** {@code [N, K]} values stacked at axis 1 into {@code [N, M, K]}, in order. */
    private static String stack(OnnxGraph g, List<String> values) {
        String axes = g.int64Vector(1);
        List<String> parts = new ArrayList<>();
        for (String v : values) {
            parts.add(g.node("Unsqueeze", List.of(v, axes), Map.of()));
        }
        return parts.size() == 1 ? parts.get(0) : g.concat(1, parts.toArray(String[]::new));
    }

    private record Shape(int height, int width, int classes, Map<String, String> metadata) {
        int pixels() {
            return height * width;
        }
    }

    private static Shape shape(List<Member> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        Shape first = null;
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Member m : members) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two members are called " + m.name());
            }
            Map<String, String> meta = OnnxGraph.metadataOf(m.anyGraph());
            String classes = meta.get(DigitClassifierSpec.META_CLASSES);
            if (classes == null || classes.isBlank()) {
                throw new IllegalArgumentException("member " + m.name() + " has no " + DigitClassifierSpec.META_CLASSES
                        + " metadata");
            }
            int[] hw = DigitClassifierSpec.shape(meta);
            Shape s = new Shape(hw[0], hw[1], classes.split(",").length, meta);
            if (first == null) {
                first = s;
            } else if (s.height() != first.height() || s.width() != first.width()
                    || !classes.equals(first.metadata().get(DigitClassifierSpec.META_CLASSES))) {
                throw new IllegalArgumentException("member " + m.name() + " takes " + s.height() + "x" + s.width()
                        + " images of classes " + classes + ", the first member " + first.height() + "x" + first.width()
                        + " of " + first.metadata().get(DigitClassifierSpec.META_CLASSES));
            }
        }
        return first;
    }

    private static void metadata(OnnxGraph g, List<Member> members, Shape shape, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String key : List.of(DigitClassifierSpec.META_HEIGHT, DigitClassifierSpec.META_WIDTH,
                DigitClassifierSpec.META_CLASSES, DigitClassifierSpec.META_DATASET)) {
            String v = shape.metadata().get(key);
            if (v != null) {
                meta.put(key, v);
            }
        }
        meta.putAll(extra);
        meta.put(DigitEnsembleSpec.META_MEMBERS, Integer.toString(members.size()));
        meta.put(DigitEnsembleSpec.META_MEMBER_NAMES, String.join(",", members.stream().map(Member::name).toList()));
        meta.forEach(g::metadata);
    }
}
