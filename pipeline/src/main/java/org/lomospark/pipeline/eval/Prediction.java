package org.lomospark.pipeline.eval;

import java.util.List;

/**
 * The scored candidates of one group and the one predicted.
 *
 * @param scores     each candidate's mean log-likelihood of its answer tokens, by candidate index
 * @param predicted  the index of the highest score (the lowest index on a tie)
 * @param gold       the right candidate, -1 when none is: an unlabeled group (test split), or a ReCoRD query whose
 *                   gold answers match none of its entities (labeled all the same: it scores 0)
 * @param question   the question the group belongs to (MultiRC: {@code paragraph/question}; else the group)
 * @param labels     each candidate's label as SuperGLUE spells it, by candidate index (MultiRC {@code "1"}/{@code
 *                   "0"}, ReCoRD the entity text), see {@link org.lomospark.datasets.prompt.Candidate}
 * @param goldLabels the labels that count as right, empty when unlabeled (ReCoRD: every gold answer text)
 */
public record Prediction(String task, String group, double[] scores, int predicted, int gold, String question,
                         List<String> labels, List<String> goldLabels) implements java.io.Serializable {

    public Prediction {
        labels = List.copyOf(labels);
        goldLabels = List.copyOf(goldLabels);
        if (labels.size() != scores.length) {
            throw new IllegalArgumentException(task + " group " + group + ": " + scores.length + " scores but "
                    + labels.size() + " labels " + labels);
        }
    }

    /** Whether the group has an answer key: a gold candidate, or gold answer texts (ReCoRD) none may match. */
    public boolean labeled() {
        return gold >= 0 || !goldLabels.isEmpty();
    }

    public boolean correct() {
        return predicted == gold;
    }

    /** The label of the predicted candidate: what a SuperGLUE submission would hold for this group. */
    public String predictedLabel() {
        return labels.get(predicted);
    }
}
