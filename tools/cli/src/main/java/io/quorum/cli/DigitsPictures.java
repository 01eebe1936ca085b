package io.quorum.cli;

import io.quorum.vision.data.DigitSet;
import io.quorum.vision.model.OnnxClassifier;
import io.quorum.vision.picture.DigitGrid;
import io.quorum.vision.picture.TsnePlot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The seed's pictures of an attacked evaluation: the grid of clean vs adversarial digits with the target's
 * predictions, and the three t-SNE projections of the target's last hidden layer (clean, adversarial, both) when its
 * {@code model.onnx} exports {@code features}.
 */
final class DigitsPictures {

    static final int GRID_IMAGES = 20;
    static final int GRID_PER_ROW = 5;
    static final int TSNE_IMAGES = 500;

    /** What was predicted on each image, clean and adversarial. */
    record Verdicts(int[] before, double[] confidenceBefore, int[] after, double[] confidenceAfter) {
    }

    private DigitsPictures() {
    }

    static String prefix(String attack, double eps) {
        return attack + "-eps" + String.format(Locale.ROOT, "%s", eps);
    }

    /**
     * Writes the pictures into {@code dir}; {@code featureModel} (null: no t-SNE) embeds the first {@value #TSNE_IMAGES}
     * clean images and their adversarials. Returns the files written.
     */
    static List<Path> write(Path dir, String title, String prefix, DigitSet set, float[][] adversarial, Verdicts v,
                            OnnxClassifier featureModel, List<String> classNames, long seed) throws IOException {
        List<Path> files = new ArrayList<>();
        int g = Math.min(GRID_IMAGES, set.size());
        List<DigitGrid.Entry> entries = new ArrayList<>();
        for (int i = 0; i < g; i++) {
            entries.add(new DigitGrid.Entry(set.images()[i], adversarial[i], set.labels()[i], v.before()[i],
                    v.confidenceBefore()[i], v.after()[i], v.confidenceAfter()[i]));
        }
        files.add(DigitGrid.write(dir.resolve(prefix + "-grid.png"), title, entries, set.height(), set.width(), classNames,
                GRID_PER_ROW, 3));
        if (featureModel == null || !featureModel.hasFeatures()) {
            System.err.println("note: the model exports no '" + io.quorum.shared.model.DigitClassifierSpec.FEATURES
                    + "' output: no t-SNE pictures");
            return files;
        }
        int t = Math.min(TSNE_IMAGES, set.size());
        if (t < 4) {
            System.err.println("note: too few images for a t-SNE picture");
            return files;
        }
        float[][] clean = Arrays.copyOf(set.images(), t);
        float[][] adv = Arrays.copyOf(adversarial, t);
        int[] y = Arrays.copyOf(set.labels(), t);
        TsnePlot.Projection p = TsnePlot.project(featureModel.features(clean), y, featureModel.features(adv), y, seed, 1000);
        files.addAll(TsnePlot.write(dir, prefix + "-tsne", p, classNames, "t-SNE, last hidden layer, " + title, 900, 700));
        return files;
    }
}
