package org.lomospark.datasets.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Pattern;
import org.lomospark.datasets.instruct.Alpaca;
import org.lomospark.datasets.instruct.Conversation;
import org.lomospark.datasets.instruct.Messages;
import org.lomospark.datasets.jsonl.FieldException;

/**
 * One instruction-data file for a prepare job: its rows go to the train table under {@code name}.
 *
 * <pre>
 * new InstructInput("alpaca", "s3a://data/alpaca_data.json", InstructInput.Format.ALPACA);
 * </pre>
 *
 * @param name the value of the {@code task} column for its rows; letters, digits, {@code _ . -}
 * @param path the file, any Hadoop path: JSONL or a JSON array (either optionally {@code .gz}, {@code .bz2} or
 *             {@code .zst}), or a {@code .parquet} file (a Hugging Face dataset's)
 */
public record InstructInput(String name, String path, Format format) implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /**
     * The record layout, the same in every container (JSONL, a JSON array, or Parquet columns of those names). A
     * record without an id gets its line (or row) number as id.
     */
    public enum Format {
        /** {@code instruction}, {@code input}, {@code output}. */
        ALPACA,
        /** {@code conversations: [{from, value}]}, optional {@code id}. */
        SHAREGPT,
        /** OpenAI chat: {@code messages: [{role, content}]}, optional {@code id}. */
        MESSAGES;

        /** {@code alpaca}, {@code sharegpt} or {@code messages}, any case. */
        public static Format parse(String text) {
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("instruction format '" + text
                        + "' is not alpaca, sharegpt or messages", e);
            }
        }

        /** The record at {@code line} as a conversation. */
        public Conversation conversation(JsonNode node, long line) throws FieldException {
            String fallback = Long.toString(line);
            return switch (this) {
                case ALPACA -> Alpaca.parse(node).conversation(fallback);
                case SHAREGPT -> Conversation.parse(node).orId(fallback);
                case MESSAGES -> Messages.parse(node).orId(fallback);
            };
        }
    }

    public InstructInput {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("instruction data name '" + name
                    + "' must be letters, digits, '_', '.' or '-'");
        }
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("instruction data " + name + ": no path");
        }
    }
}
