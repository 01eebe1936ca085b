package io.quorum.training.jobs;

import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.steps.AdversarialTraining;
import io.quorum.training.steps.Dl4jClassifier;
import io.quorum.training.steps.ImageAugmentation;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.model.GradientClassifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The minibatch training loop of the digits networks ({@code digit-classifier} and the members of
 * {@code digit-ensemble}): seeded order, optional augmentation and per-iteration adversarials, progress once per epoch.
 */
final class DigitTraining {

    /**
     * How a network is trained: passes, minibatch size, augmentation, and per-iteration adversarial training (null:
     * none).
     */
    record Schedule(int epochs, int batch, boolean augment, AdversarialTraining adversarial) {
    }

    private DigitTraining() {
    }

    /**
     * Minibatch training with optional augmentation and per-iteration adversarials (made on the model being trained, or
     * in turn on it and each of {@code statics}); progress once per epoch. Draws: the minibatch order from {@code seed}, augmentation from
     * {@code seed ^ 0xa09}, adversarial random starts from {@code seed ^ 0xad7}.
     */
    static void train(MultiLayerNetwork net, Schedule s, DigitSet train, DigitSet validation, List<GradientClassifier> statics,
                      long seed, JobContext ctx) throws JobFailedException {
        int h = train.height();
        int w = train.width();
        int classes = train.classes().size();
        Dl4jProgress listener = new Dl4jProgress(ctx, s.epochs(), (train.size() + s.batch() - 1) / s.batch(), s.batch());
        net.setListeners(listener);
        Dl4jClassifier attacked = s.adversarial() == null ? null : new Dl4jClassifier(net, DigitNetworks.inputType(h, w));
        // every random draw from the job's seed, in a fixed order per stream
        Random shuffle = new Random(seed);
        Random augmentRnd = new Random(seed ^ 0xa09L);
        Random adversarialRnd = new Random(seed ^ 0xad7L);
        int sources = 1 + statics.size();
        long batchNumber = 0;
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            listener.epoch(epoch);
            int[] order = permutation(train.size(), shuffle);
            int adversarials = 0;
            for (int from = 0; from < order.length; from += s.batch()) {
                int[] idx = Arrays.copyOfRange(order, from, Math.min(order.length, from + s.batch()));
                if (idx.length < 2) {
                    continue; // batch norm needs two examples
                }
                float[][] x = new float[idx.length][];
                int[] y = new int[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    x[i] = train.images()[idx[i]];
                    y[i] = train.labels()[idx[i]];
                }
                if (s.augment()) {
                    x = ImageAugmentation.DEFAULT.apply(x, h, w, augmentRnd);
                }
                if (attacked != null) {
                    int source = (int) (batchNumber++ % sources);
                    GradientClassifier on = attacked;
                    if (source == 0) {
                        attacked.refresh();
                    } else {
                        on = statics.get(source - 1);
                    }
                    AdversarialTraining.Batch b = s.adversarial().mix(on, x, y, adversarialRnd);
                    x = b.images();
                    adversarials += b.adversarialCount();
                }
                try {
                    net.fit(new DataSet(Dl4jClassifier.matrix(x), Dl4jClassifier.oneHot(y, classes)));
                } catch (Dl4jProgress.DivergedException e) {
                    throw new JobFailedException(e.getMessage());
                }
            }
            net.incrementEpochCount();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("validation_accuracy", accuracy(net, validation));
            if (attacked != null) {
                m.put("adversarials", (double) adversarials);
            }
            ctx.progress(epoch, s.epochs(), listener.step(), listener.lastLoss(), listener.examplesPerSecond(),
                    listener.etaSeconds(), m, null);
        }
    }

    /** Accuracy of the DL4J network (inference mode) on {@code set}, in chunks. */
    static double accuracy(MultiLayerNetwork net, DigitSet set) {
        int ok = 0;
        for (int from = 0; from < set.size(); from += 1000) {
            int to = Math.min(set.size(), from + 1000);
            INDArray out = net.output(Dl4jClassifier.matrix(Arrays.copyOfRange(set.images(), from, to)), false);
            INDArray pred = out.argMax(1);
            for (int i = from; i < to; i++) {
                ok += pred.getInt(i - from) == set.labels()[i] ? 1 : 0;
            }
        }
        return ok / (double) set.size();
    }

    /** A seeded Fisher-Yates permutation of {@code 0..n-1}. */
    static int[] permutation(int n, Random rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
