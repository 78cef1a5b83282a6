package org.lomospark.pipeline.eval;

import java.util.List;

/**
 * The scored candidates of one group and the one predicted.
 *
 * @param scores     each candidate's mean log-likelihood of its answer tokens, by candidate index
 * @param predicted  the index of the highest score (the lowest index on a tie)
 * @param gold       the right candidate, -1 when the group is unlabeled (test split)
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

    public boolean labeled() {
        return gold >= 0;
    }

    public boolean correct() {
        return predicted == gold;
    }

    /** The label of the predicted candidate: what a SuperGLUE submission would hold for this group. */
    public String predictedLabel() {
        return labels.get(predicted);
    }
}
