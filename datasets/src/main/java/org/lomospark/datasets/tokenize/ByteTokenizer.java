package org.lomospark.datasets.tokenize;

import java.nio.charset.StandardCharsets;

/**
 * One id per UTF-8 byte (0..255), then bos 256, eos 257, pad 258: a vocabulary of 259, the size of the
 * trainer's tiny and demo model presets. Needs no vocabulary file, so tests and demos run anywhere.
 *
 * <p>{@link #decode} turns a byte sequence that is not valid UTF-8 (say, ids cut in the middle of a
 * character) into U+FFFD replacement characters rather than failing: a model's sampled ids may be any bytes.
 *
 * <pre>
 * Tokenizer t = new ByteTokenizer();
 * t.encode("Oui");            // [79, 117, 105]
 * t.decode(t.encode("Zoë"));  // "Zoë"
 * </pre>
 */
public final class ByteTokenizer implements Tokenizer {
    private static final int BYTES = 256;
    private static final int BOS = 256;
    private static final int EOS = 257;
    private static final int PAD = 258;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = Byte.toUnsignedInt(bytes[i]);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= BYTES) {
                throw new IllegalArgumentException("cannot decode id " + id + " at position " + i + ": "
                        + describe(id) + "; only byte ids 0..255 are text");
            }
            bytes[i] = (byte) id;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String describe(int id) {
        switch (id) {
            case BOS: return "it is the special bos";
            case EOS: return "it is the special eos";
            case PAD: return "it is the special pad";
            default: return "outside the vocabulary of " + (PAD + 1);
        }
    }

    @Override
    public int vocabSize() {
        return PAD + 1;
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int pad() {
        return PAD;
    }

    @Override
    public String fingerprint() {
        return "byte-utf8-v1";
    }
}
