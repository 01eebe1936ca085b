package io.quorum.vision.ensemble;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.vision.model.Classifier;
import io.quorum.vision.model.DigitSessions;
import io.quorum.vision.model.GradientClassifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A published ensemble ({@link DigitEnsembleSpec}) on ONNX Runtime: one session gives every member's probabilities of
 * a batch. As a {@link GradientClassifier} it is the mean-probability ensemble ({@code probabilities} and, when the
 * version has {@code gradient.onnx}, that ensemble's exact input gradient, for white-box attacks on the ensemble
 * itself). {@link #view} gives any vote over any prefix of the members as a {@link Classifier} (for black-box attacks
 * on the served vote, or the best single member), each call one fused inference. Inference runs in chunks of
 * {@value DigitSessions#CHUNK} images; every image scored counts as a query.
 */
public final class OnnxEnsemble implements GradientClassifier, AutoCloseable {

    private final DigitSessions sessions;
    private final int classes;
    private final int inputSize;
    private final int members;
    private final List<String> memberNames;
    private final List<String> classNames;
    private final AtomicLong queries = new AtomicLong();

    private OnnxEnsemble(DigitSessions sessions) {
        this.sessions = sessions;
        OnnxSession model = sessions.model();
        this.classes = DigitClassifierSpec.classes(model.signature());
        this.inputSize = DigitClassifierSpec.inputSize(model.signature());
        this.members = DigitEnsembleSpec.members(model.signature());
        this.memberNames = DigitEnsembleSpec.memberNames(model.metadata(), members);
        this.classNames = DigitClassifierSpec.classNames(model.metadata(), classes);
    }

    /** Opens the version in {@code dir} ({@code model.onnx}, and {@code gradient.onnx} when present), checked. */
    public static OnnxEnsemble open(Path dir, InferenceOptions options) throws ModelRejectedException {
        return new OnnxEnsemble(DigitSessions.open(dir, options, m -> DigitEnsembleSpec.check(m, null), "ensemble"));
    }

    /** Wraps sessions that were checked already (the gradient may be null). */
    public static OnnxEnsemble of(OnnxSession model, OnnxSession gradient) {
        return new OnnxEnsemble(DigitSessions.of(model, gradient));
    }

    public int members() {
        return members;
    }

    public List<String> memberNames() {
        return memberNames;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The calibrated detector threshold of this version, if it has one. */
    public OptionalDouble threshold() {
        return DigitEnsembleSpec.threshold(sessions.model().metadata());
    }

    public boolean hasGradient() {
        return sessions.hasGradient();
    }

    public OnnxSession session() {
        return sessions.model();
    }

    /** Images scored so far (member probabilities, probabilities and gradients). */
    public long queries() {
        return queries.get();
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    /** Every member's probabilities of each image, {@code [N][M][C]}: one fused call per chunk. */
    public float[][][] memberProbabilities(float[][] images) {
        queries.addAndGet(images.length);
        float[][][] out = new float[images.length][][];
        try {
            for (int from = 0; from < images.length; from += DigitSessions.CHUNK) {
                float[][][] part = DigitEnsembleSpec.memberProbabilities(sessions.model(),
                        Arrays.copyOfRange(images, from, Math.min(images.length, from + DigitSessions.CHUNK)));
                System.arraycopy(part, 0, out, from, part.length);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        return out;
    }

    /** The mean-probability ensemble's probabilities (the graph's {@code probabilities} output). */
    @Override
    public float[][] probabilities(float[][] images) {
        queries.addAndGet(images.length);
        return sessions.probabilities(images);
    }

    /** The input gradient of the mean-probability ensemble's cross-entropy ({@code gradient.onnx}). */
    @Override
    public float[][] lossGradient(float[][] images, int[] labels) {
        return probabilitiesAndGradient(images, labels).gradient();
    }

    /** One call of {@code gradient.onnx}, which outputs the mean-probability ensemble's probabilities too. */
    @Override
    public ProbabilitiesAndGradient probabilitiesAndGradient(float[][] images, int[] labels) {
        ProbabilitiesAndGradient out = sessions.probabilitiesAndGradient(images, labels, "this ensemble");
        queries.addAndGet(images.length);
        return out;
    }

    /** {@code vote} over all members as a classifier. */
    public Classifier view(Vote vote) {
        return view(members, vote);
    }

    /** {@code vote} over the first {@code n} members as a classifier (every call: one fused inference of all members). */
    public Classifier view(int n, Vote vote) {
        if (n < 1 || n > members) {
            throw new IllegalArgumentException("the ensemble has " + members + " members, not " + n);
        }
        return new Classifier() {
            @Override
            public int classes() {
                return classes;
            }

            @Override
            public int inputSize() {
                return inputSize;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                return distributions(prefix(memberProbabilities(images), n), vote);
            }
        };
    }

    /** Member {@code k} alone as a classifier. */
    public Classifier member(int k) {
        return new Classifier() {
            @Override
            public int classes() {
                return classes;
            }

            @Override
            public int inputSize() {
                return inputSize;
            }

            @Override
            public float[][] probabilities(float[][] images) {
                float[][][] all = memberProbabilities(images);
                float[][] out = new float[all.length][];
                for (int i = 0; i < all.length; i++) {
                    out[i] = all[i][k];
                }
                return out;
            }
        };
    }

    /** The first {@code n} members of every image ({@code [N][n][C]}, sharing the rows). */
    public static float[][][] prefix(float[][][] members, int n) {
        float[][][] out = new float[members.length][][];
        for (int i = 0; i < members.length; i++) {
            out[i] = n == members[i].length ? members[i] : Arrays.copyOf(members[i], n);
        }
        return out;
    }

    /** Members {@code from..to-1} of every image. */
    public static float[][][] range(float[][][] members, int from, int to) {
        float[][][] out = new float[members.length][][];
        for (int i = 0; i < members.length; i++) {
            out[i] = Arrays.copyOfRange(members[i], from, to);
        }
        return out;
    }

    /** {@code vote}'s distribution for each image. */
    public static float[][] distributions(float[][][] members, Vote vote) {
        float[][] out = new float[members.length][];
        for (int i = 0; i < members.length; i++) {
            out[i] = vote.distribution(members[i]);
        }
        return out;
    }

    /** {@code vote}'s class for each image. */
    public static int[] predictions(float[][][] members, Vote vote) {
        int[] out = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            out[i] = vote.decide(members[i]).label();
        }
        return out;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
