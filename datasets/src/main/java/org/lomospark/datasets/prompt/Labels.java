package org.lomospark.datasets.prompt;

import java.util.List;

/**
 * What a question's answers mean to SuperGLUE's scoring, beside their prompt text: the label each candidate stands
 * for (what a SuperGLUE submission file holds when that candidate is picked) and the labels that count as right.
 * Metrics that compare answers rather than candidate indices (MultiRC's F1a and exact match, ReCoRD's token F1 and
 * exact match) read these.
 *
 * @param question the question the answers belong to: MultiRC scores every answer option as its own group but
 *                 counts exact match per question, so there it is the {@code paragraph/question} idx; every other
 *                 task's question is its group
 * @param labels   one per candidate, in candidate order: the dataset's label for fixed answers ({@code "1"}/{@code
 *                 "0"} for MultiRC, {@code "true"}/{@code "false"} for BoolQ), the choice index for COPA, the entity
 *                 text for ReCoRD
 * @param gold     the labels that count as right, empty when unlabeled: the gold label, or for ReCoRD every gold
 *                 answer text of the query in file order (the same entity may be an answer at several spans, and an
 *                 answer text need not be a candidate)
 */
record Labels(String question, List<String> labels, List<String> gold) {
    Labels {
        labels = List.copyOf(labels);
        gold = List.copyOf(gold);
    }

    /** A question that is its own group, one gold label or none. */
    static Labels single(String group, List<String> labels, Object gold) {
        return new Labels(group, labels, gold == null ? List.of() : List.of(String.valueOf(gold)));
    }
}
