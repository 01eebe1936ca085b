package io.quorum.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.data.IdxReader;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.data.PairFileReader;
import org.junit.jupiter.api.Test;

/** The readers on the real data sets beside the checkout (counts from each SOURCE.md). */
class RealDataReadersTest {

    @Test
    void mrpcTrainingSplit() throws Exception {
        PairFileReader.Result r = PairFileReader.read(TestData.require("mrpc/msr_paraphrase_train.txt"),
                PairFileReader.Format.AUTO);
        assertThat(r.format()).isEqualTo(PairFileReader.Format.MRPC);
        assertThat(r.pairs()).hasSize(4076);
        assertThat(r.skipped()).isZero();
        assertThat(r.pairs().stream().filter(LabeledPair::isDuplicate).count()).isEqualTo(2753);
    }

    @Test
    void mnistIdx() throws Exception {
        IdxReader.IdxArray images = IdxReader.read(TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz"));
        IdxReader.IdxArray labels = IdxReader.read(TestData.require("mnist/mnist-8k-labels-idx1-ubyte.gz"));
        assertThat(images.dims()).containsExactly(8000, 28, 28);
        assertThat(labels.dims()).containsExactly(8000);
        for (int i = 0; i < 100; i++) {
            assertThat(labels.get(i, 0)).isBetween(0, 9);
        }
    }

    @Test
    void fashionMnistIdx() throws Exception {
        IdxReader.IdxArray labels = IdxReader.read(TestData.require("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        assertThat(labels.count()).isEqualTo(10000);
    }

    @Test
    void mebeautyScoreLists() throws Exception {
        var base = TestData.require("mebeauty");
        ImageScoreList.Result train = ImageScoreList.read(base.resolve("scores/train_2022.txt"), base);
        ImageScoreList.Result val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base);
        assertThat(train.entries()).hasSize(1657);
        assertThat(val.entries()).hasSize(212);
        assertThat(train.missing() + train.entries().size()).isEqualTo(1787);
        assertThat(train.entries()).allSatisfy(e -> assertThat(e.score()).isBetween(1.0, 10.0));
    }
}
