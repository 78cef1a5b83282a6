package org.lomospark.datasets.prompt;

import java.util.List;

/**
 * One question as text: a prompt and the answers it is scored on, before tokenizing.
 *
 * <p>{@code prompt + answers.get(i)} is exactly the template's text. The prompt never ends in whitespace: any
 * the template leaves there starts each answer instead, so a tokenizer that merges a space into the next word
 * (" Yes") sees it with the answer, identically in training and evaluation.
 *
 * @param group which records' candidates compete: the record's idx, {@code paragraph/question/answer} idx
 *              for MultiRC, {@code passage/query} idx for ReCoRD
 * @param gold  index into {@code answers} of the right one, -1 when unlabeled
 */
public record Rendered(String task, String group, String prompt, List<String> answers, int gold) {
    public Rendered {
        answers = List.copyOf(answers);
        if (!prompt.equals(prompt.stripTrailing())) {
            throw new IllegalArgumentException(task + " " + group + ": prompt ends in whitespace; it belongs to"
                    + " the answers");
        }
        if (answers.isEmpty()) {
            throw new IllegalArgumentException(task + " " + group + ": no candidate answers");
        }
        if (gold < -1 || gold >= answers.size()) {
            throw new IllegalArgumentException(task + " " + group + ": gold " + gold + " not in [-1, "
                    + answers.size() + ")");
        }
    }

    /** Moves {@code prompt}'s trailing whitespace onto every answer. */
    static Rendered of(String task, String group, String prompt, List<String> answers, int gold) {
        String stripped = prompt.stripTrailing();
        String space = prompt.substring(stripped.length());
        return new Rendered(task, group, stripped, answers.stream().map(a -> space + a).toList(), gold);
    }
}
