package org.lomospark.datasets.prompt;

import java.util.List;

/**
 * One candidate answer to score: {@code bos, prompt..., answer...}, no eos. The prediction of a group is the
 * candidate with the highest mean log-likelihood of {@code tokens[answerStart..]}.
 *
 * @param group       which candidates compete, see {@link Rendered#group()}
 * @param candidate   this candidate's index in its group
 * @param gold        index of the right candidate in the group, -1 when unlabeled (the same on every row)
 * @param answerStart index of the first answer token in {@code tokens}
 * @param question    the question the group belongs to: MultiRC's {@code paragraph/question} idx (each answer option
 *                    is a group), every other task's group
 * @param label       what picking this candidate answers, as SuperGLUE spells it: the dataset's label ({@code "1"}
 *                    for a right MultiRC answer option, {@code "entailment"}), COPA's choice index, ReCoRD's entity
 * @param goldLabels  the labels that count as right (the same on every row of a group), empty when unlabeled; for
 *                    ReCoRD every gold answer text of the query
 */
public record Candidate(String task, String group, int candidate, int gold, int[] tokens, int answerStart,
                        String question, String label, List<String> goldLabels) {
    public Candidate {
        if (answerStart < 1 || answerStart >= tokens.length) {
            throw new IllegalArgumentException(task + " " + group + " candidate " + candidate + ": answerStart "
                    + answerStart + " not in [1, " + tokens.length + ")");
        }
        goldLabels = List.copyOf(goldLabels);
    }
}
