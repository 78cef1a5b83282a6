package org.lomospark.datasets.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/** One message of a {@link Conversation}. */
public record Turn(Role role, String text) {
    /** A ShareGPT message, {@code {"from": "human", "value": "..."}}; {@code from} is exact and lower-case. */
    static Turn parse(JsonNode node) throws FieldException {
        String from = Fields.requireText(node, "from");
        Role role = switch (from) {
            case "system" -> Role.SYSTEM;
            case "human", "user" -> Role.USER;
            case "gpt", "assistant" -> Role.ASSISTANT;
            default -> throw new FieldException("from",
                    "unknown role '" + from + "' (choices: system, human, user, gpt, assistant)");
        };
        return new Turn(role, Fields.requireText(node, "value"));
    }
}
