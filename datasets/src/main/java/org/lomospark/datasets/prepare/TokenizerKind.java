package org.lomospark.datasets.prepare;

import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.Tokenizer;

/**
 * Which tokenizer a prepare job uses. An enum, not a tokenizer instance, so the choice travels to executors
 * and each partition builds its own.
 */
public enum TokenizerKind {
    /** {@link ByteTokenizer}: no vocabulary file, vocabulary of 259. */
    BYTE;

    Tokenizer create() {
        return switch (this) {
            case BYTE -> new ByteTokenizer();
        };
    }
}
