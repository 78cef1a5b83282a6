package org.lomospark.pipeline.eval;

/**
 * The scored candidates of one question (a group) and the one predicted.
 *
 * @param scores each candidate's mean log-likelihood of its answer tokens, by candidate index
 * @param predicted the index of the highest score (the lowest index on a tie)
 * @param gold the right candidate, -1 when the question is unlabeled (test split)
 */
public record Prediction(String task, String group, double[] scores, int predicted, int gold)
        implements java.io.Serializable {

    public boolean labeled() {
        return gold >= 0;
    }

    public boolean correct() {
        return predicted == gold;
    }
}
