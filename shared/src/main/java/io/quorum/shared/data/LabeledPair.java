package io.quorum.shared.data;

/**
 * A labelled text pair from a QQP or MRPC file.
 *
 * @param id      row id (QQP {@code id}; the MRPC row number)
 * @param leftId  id of the first text
 * @param rightId id of the second text
 * @param left    first text
 * @param right   second text
 * @param label   1 duplicate / paraphrase, 0 not, -1 unlabelled
 */
public record LabeledPair(String id, String leftId, String rightId, String left, String right, int label) {

    public boolean isDuplicate() {
        return label == 1;
    }
}
