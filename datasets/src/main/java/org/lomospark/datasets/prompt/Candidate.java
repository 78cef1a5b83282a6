package org.lomospark.datasets.prompt;

/**
 * One candidate answer to score: {@code bos, prompt..., answer...}, no eos. The prediction of a group is the
 * candidate with the highest mean log-likelihood of {@code tokens[answerStart..]}.
 *
 * @param group       which candidates compete, see {@link Rendered#group()}
 * @param candidate   this candidate's index in its group
 * @param gold        index of the right candidate in the group, -1 when unlabeled (the same on every row)
 * @param answerStart index of the first answer token in {@code tokens}
 */
public record Candidate(String task, String group, int candidate, int gold, int[] tokens, int answerStart) {
    public Candidate {
        if (answerStart < 1 || answerStart >= tokens.length) {
            throw new IllegalArgumentException(task + " " + group + " candidate " + candidate + ": answerStart "
                    + answerStart + " not in [1, " + tokens.length + ")");
        }
    }
}
