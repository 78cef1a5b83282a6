package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * CommitmentBank: does the premise commit its speaker to the hypothesis? Three-way label, null in test.
 *
 * <pre>
 * Cb cb = Cb.parse(node);  // cb.label() is one of Cb.LABELS
 * </pre>
 */
public record Cb(long idx, String premise, String hypothesis, String label) implements SuperGlueRecord {
    public static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");

    public static Cb parse(JsonNode node) throws FieldException {
        return new Cb(
                Fields.requireLong(node, "idx"),
                Fields.requireText(node, "premise"),
                Fields.requireText(node, "hypothesis"),
                Fields.optionalChoice(node, "label", LABELS));
    }
}
