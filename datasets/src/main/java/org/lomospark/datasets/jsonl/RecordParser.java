package org.lomospark.datasets.jsonl;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns one JSON object into a typed value, or says which field is wrong.
 *
 * <pre>
 * RecordParser&lt;String&gt; word = node -&gt; Fields.requireText(node, "word");
 * </pre>
 */
@FunctionalInterface
public interface RecordParser<T> {
    T parse(JsonNode node) throws FieldException;
}
