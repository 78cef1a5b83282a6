package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * Winograd Schema: does the pronoun {@code target.span2Text} refer to {@code target.span1Text}?
 * {@code label} is null in test.
 *
 * <pre>
 * String[] words = wsc.text().split(" ");
 * String pronoun = words[wsc.target().span2Index()];
 * </pre>
 */
public record Wsc(long idx, String text, Target target, Boolean label) implements SuperGlueRecord {

    /** The two spans; indices count whitespace-separated words of the text, from 0. */
    public record Target(String span1Text, int span1Index, String span2Text, int span2Index) {
        static Target parse(JsonNode node, int words) throws FieldException {
            return new Target(
                    Fields.requireText(node, "span1_text"),
                    wordIndex(node, "span1_index", words),
                    Fields.requireText(node, "span2_text"),
                    wordIndex(node, "span2_index", words));
        }

        private static int wordIndex(JsonNode node, String name, int words) throws FieldException {
            int index = Fields.requireInt(node, name);
            if (index < 0 || index >= words) {
                throw new FieldException(name, index + " outside the text's " + words + " words");
            }
            return index;
        }
    }

    public static Wsc parse(JsonNode node) throws FieldException {
        String text = Fields.requireText(node, "text");
        int words = text.strip().split("\\s+").length;
        return new Wsc(
                Fields.requireLong(node, "idx"),
                text,
                Fields.requireObject(node, "target", target -> Target.parse(target, words)),
                Fields.optionalBoolean(node, "label"));
    }
}
