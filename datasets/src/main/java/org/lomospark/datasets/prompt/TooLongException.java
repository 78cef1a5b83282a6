package org.lomospark.datasets.prompt;

/**
 * A question that does not fit the length limit even with its passage cut to nothing, or that has no passage
 * to cut (COPA, WiC). The message stands on its own, for a quarantine table:
 *
 * <pre>
 * over-long: RTE 17 needs 300 tokens with the premise cut to nothing; max_length 256
 * over-long: COPA 4 needs 300 tokens and has no passage to cut; max_length 256
 * </pre>
 *
 * It is an {@link IllegalArgumentException}, like every other record the prompts cannot render, so a job that
 * sets such records aside per record catches both with one clause:
 *
 * <pre>
 * try {
 *     rows.addAll(prompts.training(record, tokenizer, maxLength).rows());
 * } catch (IllegalArgumentException e) {
 *     quarantine(line, e.getMessage());
 * }
 * </pre>
 */
public final class TooLongException extends IllegalArgumentException {
    /**
     * @param needed       the row's length with the passage cut to nothing (the whole row when there is none);
     *                     for candidates, the longest candidate's
     * @param passageField the field that was cut, null when the task has none
     */
    TooLongException(String task, String group, int needed, String passageField, int maxLength) {
        super("over-long: " + task + " " + group + " needs " + needed + " tokens"
                + (passageField == null ? " and has no passage to cut" : " with the " + passageField
                + " cut to nothing") + "; max_length " + maxLength);
    }
}
