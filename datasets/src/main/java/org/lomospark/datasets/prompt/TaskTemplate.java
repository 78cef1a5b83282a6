package org.lomospark.datasets.prompt;

import java.util.List;
import java.util.Map;

/**
 * One task's parsed templates.
 *
 * @param prompts      by variant (COPA's question), or under {@code ""} when the task has one prompt
 * @param labels       the dataset's labels in candidate order; empty when candidates come from the record
 * @param fixedAnswers the answer text of each label, same order
 * @param answer       the per-candidate answer template; null when {@code labels} is not empty
 */
record TaskTemplate(Map<String, Template> prompts, List<String> labels, List<String> fixedAnswers, Template answer) {
    static final String SINGLE = "";

    Template prompt(String variant) {
        return prompts.get(variant);
    }

    /** The candidate index of {@code label} (printed as the dataset spells it), -1 when unlabeled. */
    int gold(Object label) {
        return label == null ? -1 : labels.indexOf(String.valueOf(label));
    }
}
