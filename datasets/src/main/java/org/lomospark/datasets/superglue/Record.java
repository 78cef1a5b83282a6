package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * ReCoRD (Reading Comprehension with Commonsense Reasoning): each query has an {@code @placeholder} to fill
 * with one of the passage's entities. Spans are char offsets into {@code passageText} with an INCLUSIVE end,
 * as in the official files. Answers are empty in test.
 *
 * <pre>
 * for (Record.Entity e : rec.entities()) candidates.add(e.text(rec.passageText()));
 * String filled = query.query().replace(Record.PLACEHOLDER, candidate);
 * </pre>
 */
public record Record(long idx, String passageText, List<Entity> entities, List<Query> queries)
        implements SuperGlueRecord {
    public static final String PLACEHOLDER = "@placeholder";

    /** A candidate entity: chars {@code start..end} of the passage, both included. */
    public record Entity(int start, int end) {
        static Entity parse(JsonNode node, int length) throws FieldException {
            int start = Fields.requireInt(node, "start");
            int end = Fields.requireInt(node, "end");
            checkSpan(start, end, length);
            return new Entity(start, end);
        }

        public String text(String passageText) {
            return passageText.substring(start, end + 1);
        }
    }

    public record Query(long idx, String query, List<Answer> answers) {
        static Query parse(JsonNode node, int length) throws FieldException {
            String query = Fields.requireText(node, "query");
            if (!query.contains(PLACEHOLDER)) {
                throw new FieldException("query", "has no " + PLACEHOLDER);
            }
            return new Query(
                    Fields.requireLong(node, "idx"),
                    query,
                    Fields.optionalArray(node, "answers", answer -> Answer.parse(answer, length)));
        }
    }

    /** A gold answer: chars {@code start..end} of the passage, both included, and their text. */
    public record Answer(int start, int end, String text) {
        static Answer parse(JsonNode node, int length) throws FieldException {
            int start = Fields.requireInt(node, "start");
            int end = Fields.requireInt(node, "end");
            checkSpan(start, end, length);
            return new Answer(start, end, Fields.requireText(node, "text"));
        }
    }

    public static Record parse(JsonNode node) throws FieldException {
        long idx = Fields.requireLong(node, "idx");
        String text = Fields.requireObject(node, "passage", passage -> Fields.requireText(passage, "text"));
        return new Record(
                idx,
                text,
                Fields.requireObject(node, "passage",
                        passage -> Fields.requireArray(passage, "entities", e -> Entity.parse(e, text.length()))),
                Fields.requireArray(node, "qas", query -> Query.parse(query, text.length())));
    }

    private static void checkSpan(int start, int end, int length) throws FieldException {
        if (start < 0 || start >= length) {
            throw new FieldException("start", start + " outside the passage (length " + length + ")");
        }
        if (end < start || end >= length) {
            throw new FieldException("end",
                    end + " not in [start " + start + ", passage length " + length + "); ends are inclusive");
        }
    }
}
