package org.lomospark.datasets.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;
import org.lomospark.datasets.jsonl.Parsed;

/**
 * One Alpaca-style instruction record: {@code {"instruction": ..., "input": ..., "output": ...}}.
 * {@code instruction} and {@code output} must be non-blank strings; {@code input} may be missing, null or
 * blank, all read as {@code ""}.
 *
 * <pre>
 * for (Parsed&lt;Alpaca&gt; p : Alpaca.read(Path.of("alpaca.json"))) { ... }
 * </pre>
 */
public record Alpaca(String instruction, String input, String output) {
    /** Between the instruction and a non-empty input in the user's turn. */
    private static final String INPUT_SEPARATOR = "\n\n";

    public static Alpaca parse(JsonNode node) throws FieldException {
        String instruction = Fields.requireText(node, "instruction");
        JsonNode input = node.get("input");
        boolean empty = input == null || input.isNull() || (input.isTextual() && input.asText().isBlank());
        return new Alpaca(instruction, empty ? "" : Fields.requireText(node, "input"),
                Fields.requireText(node, "output"));
    }

    /** A JSON array or JSONL file, see {@link InstructFile}. */
    public static List<Parsed<Alpaca>> read(Path file) throws IOException {
        return InstructFile.read(file, Alpaca::parse);
    }

    /** The record as one exchange: the instruction (then the input, if any) asks, the output answers. */
    public Conversation conversation(String id) {
        String prompt = input.isEmpty() ? instruction : instruction + INPUT_SEPARATOR + input;
        return new Conversation(id, List.of(new Turn(Role.USER, prompt), new Turn(Role.ASSISTANT, output)));
    }
}
