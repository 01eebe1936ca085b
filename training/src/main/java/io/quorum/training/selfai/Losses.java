package io.quorum.training.selfai;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Array plumbing shared by the two loss functions (small outputs: plain loops over float copies). */
final class Losses {

    private Losses() {
    }

    static float[] floats(INDArray a) {
        return a.dup('c').castTo(DataType.FLOAT).data().asFloat();
    }

    /** The activation of {@code preOutput} (row-major floats). */
    static float[] activated(INDArray preOutput, IActivation fn) {
        return floats(fn.getActivation(preOutput.dup(), false));
    }

    /** dL/dpreOutput from dL/doutput {@code g} (row-major, the shape of {@code preOutput}). */
    static INDArray backprop(INDArray preOutput, IActivation fn, float[] g) {
        INDArray eps = Nd4j.create(g, preOutput.shape(), 'c').castTo(preOutput.dataType());
        return fn.backprop(preOutput.dup(), eps).getFirst();
    }
}
