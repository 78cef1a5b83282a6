package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * Word-in-Context: is {@code word} used in the same sense in both sentences? {@code [startN, endN)} is the
 * word's char span in sentence N (end exclusive); {@code label} is null in test.
 *
 * <pre>
 * String used = wic.sentence1().substring(wic.start1(), wic.end1());
 * </pre>
 */
public record Wic(long idx, String word, String sentence1, String sentence2,
                  int start1, int end1, int start2, int end2, Boolean label) implements SuperGlueRecord {

    public static Wic parse(JsonNode node) throws FieldException {
        String sentence1 = Fields.requireText(node, "sentence1");
        String sentence2 = Fields.requireText(node, "sentence2");
        int start1 = Fields.requireInt(node, "start1");
        int end1 = Fields.requireInt(node, "end1");
        int start2 = Fields.requireInt(node, "start2");
        int end2 = Fields.requireInt(node, "end2");
        checkSpan("start1", start1, "end1", end1, sentence1.length());
        checkSpan("start2", start2, "end2", end2, sentence2.length());
        return new Wic(Fields.requireLong(node, "idx"), Fields.requireText(node, "word"), sentence1, sentence2,
                start1, end1, start2, end2, Fields.optionalBoolean(node, "label"));
    }

    private static void checkSpan(String startField, int start, String endField, int end, int length)
            throws FieldException {
        if (start < 0 || start >= length) {
            throw new FieldException(startField, start + " outside the sentence (length " + length + ")");
        }
        if (end <= start || end > length) {
            throw new FieldException(endField,
                    end + " not in (start " + start + ", sentence length " + length + "]");
        }
    }
}
