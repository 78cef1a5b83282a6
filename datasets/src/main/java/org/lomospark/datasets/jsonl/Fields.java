package org.lomospark.datasets.jsonl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of one member of a JSON object; each failure is a {@link FieldException} naming the member.
 *
 * <p>{@code require*} fails on a missing or null member; {@code optional*} returns null (or an empty list)
 * for one, which is how unlabeled test splits leave out their labels. A present member of the wrong type
 * always fails: a label of {@code "yes"} is an error, not a missing label.
 *
 * <pre>
 * String passage = Fields.requireText(node, "passage");
 * Boolean label = Fields.optionalBoolean(node, "label");
 * List&lt;Answer&gt; answers = Fields.requireArray(node, "answers", Answer::parse);
 * </pre>
 */
public final class Fields {
    private static final int SHOWN_CHARS = 40;

    private Fields() {}

    /** A string that is not blank. */
    public static String requireText(JsonNode node, String name) throws FieldException {
        JsonNode value = require(node, name);
        if (!value.isTextual()) {
            throw wrongType(name, "a string", value);
        }
        if (value.asText().isBlank()) {
            throw new FieldException(name, "empty");
        }
        return value.asText();
    }

    /** An integral number that fits an int; {@code 1.0} and {@code "1"} are rejected. */
    public static int requireInt(JsonNode node, String name) throws FieldException {
        JsonNode value = require(node, name);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw wrongType(name, "an integer", value);
        }
        return value.intValue();
    }

    /** An integral number that fits a long, such as an {@code idx}. */
    public static long requireLong(JsonNode node, String name) throws FieldException {
        JsonNode value = require(node, name);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw wrongType(name, "an integer", value);
        }
        return value.longValue();
    }

    public static Boolean optionalBoolean(JsonNode node, String name) throws FieldException {
        JsonNode value = node.get(name);
        if (absent(value)) {
            return null;
        }
        if (!value.isBoolean()) {
            throw wrongType(name, "a boolean", value);
        }
        return value.booleanValue();
    }

    /** 0 or 1, the way SuperGLUE writes choice indices and per-answer labels. */
    public static Integer optionalBinary(JsonNode node, String name) throws FieldException {
        if (absent(node.get(name))) {
            return null;
        }
        int value = requireInt(node, name);
        if (value != 0 && value != 1) {
            throw new FieldException(name, "expected 0 or 1, got " + value);
        }
        return value;
    }

    /** One of {@code choices}, compared exactly (labels are case-sensitive in the official files). */
    public static String requireChoice(JsonNode node, String name, List<String> choices) throws FieldException {
        String value = requireText(node, name);
        if (!choices.contains(value)) {
            throw new FieldException(name,
                    "unknown " + name + " '" + value + "' (choices: " + String.join(", ", choices) + ")");
        }
        return value;
    }

    public static String optionalChoice(JsonNode node, String name, List<String> choices) throws FieldException {
        return absent(node.get(name)) ? null : requireChoice(node, name, choices);
    }

    /** A nested object; the nested parser's field names come back prefixed, as in {@code target.span1_index}. */
    public static <T> T requireObject(JsonNode node, String name, RecordParser<T> parser) throws FieldException {
        JsonNode value = require(node, name);
        if (!value.isObject()) {
            throw wrongType(name, "an object", value);
        }
        try {
            return parser.parse(value);
        } catch (FieldException e) {
            throw e.under(name);
        }
    }

    /** A non-empty array of objects; errors name the element, as in {@code answers[2].label}. */
    public static <T> List<T> requireArray(JsonNode node, String name, RecordParser<T> parser) throws FieldException {
        JsonNode value = require(node, name);
        if (!value.isArray()) {
            throw wrongType(name, "an array", value);
        }
        if (value.isEmpty()) {
            throw new FieldException(name, "empty");
        }
        List<T> out = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String element = name + "[" + i + "]";
            if (!value.get(i).isObject()) {
                throw wrongType(element, "an object", value.get(i));
            }
            try {
                out.add(parser.parse(value.get(i)));
            } catch (FieldException e) {
                throw e.under(element);
            }
        }
        return List.copyOf(out);
    }

    /** Like {@link #requireArray}, but a missing or null member is an empty list (unlabeled test splits). */
    public static <T> List<T> optionalArray(JsonNode node, String name, RecordParser<T> parser) throws FieldException {
        return absent(node.get(name)) ? List.of() : requireArray(node, name, parser);
    }

    private static JsonNode require(JsonNode node, String name) throws FieldException {
        JsonNode value = node.get(name);
        if (value == null) {
            throw new FieldException(name, "missing");
        }
        if (value.isNull()) {
            throw new FieldException(name, "null");
        }
        return value;
    }

    private static boolean absent(JsonNode value) {
        return value == null || value.isNull();
    }

    private static FieldException wrongType(String name, String expected, JsonNode value) {
        String shown = value.toString();
        if (shown.length() > SHOWN_CHARS) {
            shown = shown.substring(0, SHOWN_CHARS) + "...";
        }
        return new FieldException(name, "expected " + expected + ", got " + shown);
    }
}
