package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * Recognizing Textual Entailment: two-way label, null in test.
 *
 * <pre>
 * Rte rte = Rte.parse(node);  // rte.label() is "entailment" or "not_entailment"
 * </pre>
 */
public record Rte(long idx, String premise, String hypothesis, String label) implements SuperGlueRecord {
    public static final List<String> LABELS = List.of("entailment", "not_entailment");

    public static Rte parse(JsonNode node) throws FieldException {
        return new Rte(
                Fields.requireLong(node, "idx"),
                Fields.requireText(node, "premise"),
                Fields.requireText(node, "hypothesis"),
                Fields.optionalChoice(node, "label", LABELS));
    }
}
