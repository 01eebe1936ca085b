package io.quorum.training.selfai;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * DL4J's {@link ILossFunction} plumbing of the Selfai losses, computed on the host over float copies (small outputs):
 * a subclass gives the per-row scores and {@code dL/doutput} of the activated output; this class activates, copies,
 * sums or averages the scores and back-propagates the gradient through the activation.
 */
abstract class HostLossFunction implements ILossFunction {

    private static final long serialVersionUID = 1L;

    /**
     * The score of each of the {@code rows} rows, from the activated output {@code out} and the {@code labels} (both
     * row-major) and the {@code mask} (null, one weight per row, or one per value).
     */
    abstract float[] scores(float[] out, float[] labels, float[] mask, int rows);

    /** {@code dL/doutput} (row-major, the shape of {@code out}), arguments as in {@link #scores}. */
    abstract float[] gradient(float[] out, float[] labels, float[] mask, int rows);

    /** Refuses a mask before anything is computed (a loss that has no meaning for one). */
    void checkMask(INDArray mask) {
    }

    /** {@link #scores} or {@link #gradient}. */
    @FunctionalInterface
    private interface OnHost {
        float[] apply(float[] out, float[] labels, float[] mask, int rows);
    }

    /** Checks the mask, activates and copies the arrays, then runs {@code f} on them. */
    private float[] onHost(OnHost f, INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkMask(mask);
        return f.apply(Losses.activated(preOutput, activationFn), Losses.floats(labels),
                mask == null ? null : Losses.floats(mask), (int) preOutput.size(0));
    }

    @Override
    public final INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        float[] score = onHost(this::scores, labels, preOutput, activationFn, mask);
        return Nd4j.create(score, new long[] {preOutput.size(0), 1}, 'c').castTo(preOutput.dataType());
    }

    @Override
    public final double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                                     boolean average) {
        double s = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? s / preOutput.size(0) : s;
    }

    @Override
    public final INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return Losses.backprop(preOutput, activationFn, onHost(this::gradient, labels, preOutput, activationFn, mask));
    }

    @Override
    public final Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                                INDArray mask, boolean average) {
        return Pair.of(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public final String toString() {
        return name();
    }
}
