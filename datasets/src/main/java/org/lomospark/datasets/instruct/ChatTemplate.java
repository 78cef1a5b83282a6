package org.lomospark.datasets.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.lomospark.datasets.jsonl.JsonConfig;

/**
 * How a {@link Conversation} becomes text: each turn is its role's prefix, its text, then {@code turnSuffix}.
 * An assistant turn has the eos between its text and the suffix, and the suffix is left off the last turn.
 *
 * <p>{@link #defaults()} reads {@code prompts/chat-default.json}, the plain Alpaca layout used for every
 * conversation, with the Alpaca input after the instruction and a blank line:
 * <pre>
 * ### System:
 * You are terse.
 *
 * ### Instruction:
 * Name a primary colour.
 *
 * ### Response:
 * Red.&lt;eos&gt;
 * </pre>
 * {@link #load} reads another file of the same four string keys; an unknown, missing or non-string key is an
 * {@link IllegalArgumentException} naming the file and the key.
 */
public record ChatTemplate(String systemPrefix, String userPrefix, String assistantPrefix, String turnSuffix) {
    private static final String DEFAULT = "/prompts/chat-default.json";
    private static final List<String> KEYS = List.of("systemPrefix", "userPrefix", "assistantPrefix", "turnSuffix");
    public static ChatTemplate defaults() {
        return parse(JsonConfig.resource(ChatTemplate.class, DEFAULT), DEFAULT);
    }

    public static ChatTemplate load(Path file) throws IOException {
        return parse(JsonConfig.file(file), file.toString());
    }

    String prefix(Role role) {
        return switch (role) {
            case SYSTEM -> systemPrefix;
            case USER -> userPrefix;
            case ASSISTANT -> assistantPrefix;
        };
    }

    private static ChatTemplate parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object with keys " + KEYS);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw new IllegalArgumentException(source + ": unknown key '" + name + "' (expected " + KEYS + ")");
            }
        }
        String[] values = new String[KEYS.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = root.get(KEYS.get(i));
            if (value == null || !value.isTextual()) {
                throw new IllegalArgumentException(source + ": key '" + KEYS.get(i) + "' "
                        + (value == null ? "missing" : "must be a string"));
            }
            values[i] = value.asText();
        }
        return new ChatTemplate(values[0], values[1], values[2], values[3]);
    }
}
