package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * Choice of Plausible Alternatives: which choice is the premise's cause (or effect)? {@code label} is 0 for
 * {@code choice1}, 1 for {@code choice2}, null in test.
 *
 * <pre>
 * String answer = copa.label() == 0 ? copa.choice1() : copa.choice2();
 * </pre>
 */
public record Copa(long idx, String premise, String choice1, String choice2, String question, Integer label)
        implements SuperGlueRecord {
    public static final List<String> QUESTIONS = List.of("cause", "effect");

    public static Copa parse(JsonNode node) throws FieldException {
        return new Copa(
                Fields.requireLong(node, "idx"),
                Fields.requireText(node, "premise"),
                Fields.requireText(node, "choice1"),
                Fields.requireText(node, "choice2"),
                Fields.requireChoice(node, "question", QUESTIONS),
                Fields.optionalBinary(node, "label"));
    }
}
