package org.lomospark.datasets.jsonl;

/**
 * A JSON record whose field is missing, of the wrong type or out of range; the message names the field.
 *
 * <pre>
 * throw new FieldException("label", "expected a boolean, got \"yes\"");
 * // message: field 'label': expected a boolean, got "yes"
 * </pre>
 */
public final class FieldException extends Exception {
    private final String field;
    private final String problem;

    public FieldException(String field, String problem) {
        super("field '" + field + "': " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** The field's path inside the record, such as {@code passage.questions[1].idx}. */
    public String field() {
        return field;
    }

    /** The same problem seen from the enclosing object, whose member {@code parent} holds this field. */
    FieldException under(String parent) {
        return new FieldException(parent + "." + field, problem);
    }
}
