package org.lomospark.datasets.prepare;

import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One instruction-data file for a prepare job: its rows go to the train table under {@code name}.
 *
 * <pre>
 * new InstructInput("alpaca", "s3a://data/alpaca_data.json", InstructInput.Format.ALPACA);
 * </pre>
 *
 * @param name the value of the {@code task} column for its rows; letters, digits, {@code _ . -}
 * @param path the file (JSON array or JSONL), any Hadoop path
 */
public record InstructInput(String name, String path, Format format) implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /** The record layout of the file. */
    public enum Format {
        /** {@code instruction}, {@code input}, {@code output}. */
        ALPACA,
        /** {@code id}, {@code conversations: [{from, value}]}. */
        SHAREGPT;

        /** {@code alpaca} or {@code sharegpt}, any case. */
        public static Format parse(String text) {
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("instruction format '" + text + "' is not alpaca or sharegpt",
                        e);
            }
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
