package org.lomospark.datasets.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.lomospark.datasets.jsonl.FieldException;
import org.lomospark.datasets.jsonl.Fields;

/**
 * The OpenAI chat layout, the most common fine-tuning format: {@code {"messages": [{"role": "system", "content":
 * "..."}, {"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}}, with an optional
 * {@code id}. {@code role} is {@code system}, {@code user} or {@code assistant}; {@code content} a string.
 *
 * <p>A message's {@code weight} (OpenAI's way to leave an assistant turn out of the loss) is accepted only as 1:
 * this project trains on every assistant turn, so a weight of 0 would be silently ignored; it is refused instead.
 * Tool calls ({@code tool} role, {@code tool_calls}) and multi-part content (not a string) are refused the same way.
 *
 * <pre>
 * Conversation c = Messages.parse(node).orId("42");
 * </pre>
 */
public final class Messages {
    private Messages() {}

    public static Conversation parse(JsonNode node) throws FieldException {
        String id = node.hasNonNull("id") ? Fields.requireText(node, "id") : null;
        List<Turn> turns = Fields.requireArray(node, "messages", Messages::turn);
        try {
            return new Conversation(id, turns);
        } catch (IllegalArgumentException e) {
            throw new FieldException("messages", "no user message followed by an assistant message");
        }
    }

    private static Turn turn(JsonNode m) throws FieldException {
        String role = Fields.requireText(m, "role");
        Role r = switch (role) {
            case "system", "developer" -> Role.SYSTEM;
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            default -> throw new FieldException("role", "unsupported role '" + role
                    + "' (choices: system, developer, user, assistant)");
        };
        if (m.has("tool_calls") || m.has("function_call")) {
            throw new FieldException("tool_calls", "tool calls are not supported");
        }
        JsonNode weight = m.get("weight");
        if (weight != null && !(weight.isNumber() && weight.asDouble() == 1.0)) {
            throw new FieldException("weight", "only 1 is supported (every assistant message is trained on), got "
                    + weight);
        }
        return new Turn(r, Fields.requireText(m, "content"));
    }
}
