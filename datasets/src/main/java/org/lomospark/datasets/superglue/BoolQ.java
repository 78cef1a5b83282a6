package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * A yes/no question about a passage; {@code label} is null in the test split.
 *
 * <pre>
 * List&lt;Parsed&lt;BoolQ&gt;&gt; rows = JsonlFile.read(root.resolve("BoolQ/train.jsonl"), BoolQ::parse);
 * </pre>
 */
public record BoolQ(long idx, String passage, String question, Boolean label) implements SuperGlueRecord {
    public static BoolQ parse(JsonNode node) throws FieldException {
        return new BoolQ(
                Fields.requireLong(node, "idx"),
                Fields.requireText(node, "passage"),
                Fields.requireText(node, "question"),
                Fields.optionalBoolean(node, "label"));
    }
}
