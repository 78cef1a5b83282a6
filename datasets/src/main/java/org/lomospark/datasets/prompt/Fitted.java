package org.lomospark.datasets.prompt;

import java.util.List;

/**
 * The rows of one record within a length limit, and the questions whose passage was cut to get there.
 *
 * <pre>
 * Fitted&lt;TrainingExample&gt; fitted = prompts.training(record, tokenizer, 512);
 * rows.addAll(fitted.rows());
 * if (fitted.truncated()) truncatedRecords++;
 * </pre>
 *
 * @param rows the training examples or candidates, as the method without a limit returns them
 * @param cuts one per question that was cut, in row order; empty when the record fit whole
 */
public record Fitted<T>(List<T> rows, List<Cut> cuts) {
    public Fitted {
        rows = List.copyOf(rows);
        cuts = List.copyOf(cuts);
    }

    /** Whether any question of the record lost part of its passage. */
    public boolean truncated() {
        return !cuts.isEmpty();
    }

    /**
     * What one question lost: all its rows (every candidate of a group) share the same cut prompt.
     *
     * @param group  the question, see {@link Rendered#group()}
     * @param chars  chars cut from the end of the passage, at least 1
     * @param tokens prompt tokens saved, the whole prompt's count minus the cut one's
     */
    public record Cut(String group, int chars, int tokens) {}
}
