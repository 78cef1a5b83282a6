package org.lomospark.datasets.tokenize;

/**
 * Text to token ids and back, with the three special ids a causal language model needs.
 *
 * <pre>
 * int[] ids = tokenizer.encode("Does this mean that ...");
 * String text = tokenizer.decode(ids);
 * </pre>
 */
public interface Tokenizer {
    /** The ids of {@code text}; never contains {@link #bos()}, {@link #eos()} or {@link #pad()}. */
    int[] encode(String text);

    /** The text of {@code ids}; throws {@link IllegalArgumentException} on a special or unknown id. */
    String decode(int[] ids);

    /** Ids run from 0 to {@code vocabSize() - 1}, specials included; the model's vocabulary must match. */
    int vocabSize();

    int bos();

    int eos();

    int pad();

    /**
     * Names the exact id mapping, so tokenized data and a checkpoint can be checked to agree. Fixed for a
     * built-in tokenizer ({@code "byte-utf8-v1"}); a tokenizer read from a Hugging Face {@code tokenizer.json}
     * would use a hash of that file's content.
     */
    String fingerprint();
}
