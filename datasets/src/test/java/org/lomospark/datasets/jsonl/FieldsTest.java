package org.lomospark.datasets.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String message(RecordParser<?> parser, String text) throws Exception {
        JsonNode node = json(text);
        return assertThrows(FieldException.class, () -> parser.parse(node)).getMessage();
    }

    @Test
    void wrongTypesNameTheFieldAndShowTheValueAsJson() throws Exception {
        assertEquals("field 'label': expected a boolean, got \"yes\"",
                message(n -> Fields.optionalBoolean(n, "label"), "{\"label\": \"yes\"}"));
        assertEquals("field 'start': expected an integer, got 1.0",
                message(n -> Fields.requireInt(n, "start"), "{\"start\": 1.0}"));
        assertEquals("field 'start': expected an integer, got 3000000000",
                message(n -> Fields.requireInt(n, "start"), "{\"start\": 3000000000}"));
        assertEquals("field 'text': expected a string, got [\"" + "a".repeat(38) + "...",
                message(n -> Fields.requireText(n, "text"), "{\"text\": [\"" + "a".repeat(60) + "\"]}"));
    }

    @Test
    void missingNullAndBlankTextAreToldApart() throws Exception {
        RecordParser<String> text = n -> Fields.requireText(n, "text");
        assertEquals("field 'text': missing", message(text, "{}"));
        assertEquals("field 'text': null", message(text, "{\"text\": null}"));
        assertEquals("field 'text': empty", message(text, "{\"text\": \" \\n \"}"));
    }

    @Test
    void optionalFieldsAreNullOrEmptyWhenAbsentOrNull() throws Exception {
        JsonNode node = json("{\"label\": null}");
        assertNull(Fields.optionalBoolean(node, "label"));
        assertNull(Fields.optionalBinary(node, "label"));
        assertNull(Fields.optionalChoice(node, "label", List.of("a")));
        assertEquals(List.of(), Fields.optionalArray(node, "answers", n -> n));
    }

    @Test
    void nestedErrorsCarryTheirPathFromTheRecord() throws Exception {
        RecordParser<List<List<Integer>>> nested = n -> Fields.requireObject(n, "passage",
                p -> Fields.requireArray(p, "questions",
                        q -> Fields.requireArray(q, "answers", a -> Fields.optionalBinary(a, "label"))));
        assertEquals("field 'passage.questions[1].answers[0].label': expected 0 or 1, got 2", message(nested,
                "{\"passage\": {\"questions\": [{\"answers\": [{\"label\": 0}]}, {\"answers\": [{\"label\": 2}]}]}}"));
        assertEquals("field 'passage.questions': empty", message(nested, "{\"passage\": {\"questions\": []}}"));
        assertEquals("field 'passage.questions[0]': expected an object, got 5",
                message(nested, "{\"passage\": {\"questions\": [5]}}"));
    }
}
