package org.lomospark.datasets.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;
import org.lomospark.datasets.jsonl.Parsed;

/**
 * A dialogue with something to learn: at least one user turn followed, later, by an assistant turn.
 *
 * <p>Read from ShareGPT-style records, {@code {"id": "a1", "conversations": [{"from": "human", "value": "..."},
 * {"from": "gpt", "value": "..."}]}}; {@code from} is one of {@code system}, {@code human} or {@code user},
 * {@code gpt} or {@code assistant}. {@code id} is optional (many exports have none): a record without one has a
 * null id until {@link #orId} gives it its place in the file.
 *
 * <pre>
 * for (Parsed&lt;Conversation&gt; p : Conversation.read(Path.of("sharegpt.jsonl"))) { ... }
 * </pre>
 */
public record Conversation(String id, List<Turn> turns) {
    private static final String UNANSWERED = "no user turn followed by an assistant turn";

    public Conversation {
        turns = List.copyOf(turns);
        if (!answered(turns)) {
            throw new IllegalArgumentException("conversation " + id + ": " + UNANSWERED);
        }
    }

    public static Conversation parse(JsonNode node) throws FieldException {
        String id = node.hasNonNull("id") ? Fields.requireText(node, "id") : null;
        List<Turn> turns = Fields.requireArray(node, "conversations", Turn::parse);
        if (!answered(turns)) {
            throw new FieldException("conversations", UNANSWERED);
        }
        return new Conversation(id, turns);
    }

    /** This conversation, with {@code fallback} as its id when the record had none. */
    public Conversation orId(String fallback) {
        return id != null ? this : new Conversation(fallback, turns);
    }

    /** A JSON array or JSONL file, see {@link InstructFile}. */
    public static List<Parsed<Conversation>> read(Path file) throws IOException {
        return InstructFile.read(file, Conversation::parse);
    }

    private static boolean answered(List<Turn> turns) {
        boolean asked = false;
        for (Turn turn : turns) {
            if (asked && turn.role() == Role.ASSISTANT) {
                return true;
            }
            asked |= turn.role() == Role.USER;
        }
        return false;
    }
}
