package org.lomospark.datasets.superglue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * Multi-Sentence Reading Comprehension: a paragraph, its questions, and candidate answers each judged
 * right (1) or wrong (0) on its own; answer labels are null in test. Questions and answers keep the
 * {@code idx} of the file, which scoring groups by.
 *
 * <pre>
 * for (MultiRc.Question q : rc.questions())
 *     for (MultiRc.Answer a : q.answers()) score(rc.paragraphText(), q.question(), a.text());
 * </pre>
 */
public record MultiRc(long idx, String paragraphText, List<Question> questions) implements SuperGlueRecord {

    public record Question(long idx, String question, List<Answer> answers) {
        static Question parse(JsonNode node) throws FieldException {
            return new Question(
                    Fields.requireLong(node, "idx"),
                    Fields.requireText(node, "question"),
                    Fields.requireArray(node, "answers", Answer::parse));
        }
    }

    public record Answer(long idx, String text, Integer label) {
        static Answer parse(JsonNode node) throws FieldException {
            return new Answer(
                    Fields.requireLong(node, "idx"),
                    Fields.requireText(node, "text"),
                    Fields.optionalBinary(node, "label"));
        }
    }

    public static MultiRc parse(JsonNode node) throws FieldException {
        long idx = Fields.requireLong(node, "idx");
        return Fields.requireObject(node, "passage", passage -> new MultiRc(
                idx,
                Fields.requireText(passage, "text"),
                Fields.requireArray(passage, "questions", Question::parse)));
    }
}
