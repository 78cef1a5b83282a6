package org.lomospark.bench.prepare;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Instruction-data prose, written straight into a byte buffer as the inside of a JSON string: UTF-8 and already
 * escaped, so a record is a few array copies and never a {@code String}. Sentences of {@link Vocabulary} words
 * with commas, colons, an em dash, curly and (escaped) straight quotes, parentheses, numbers, years, decimals,
 * percentages, now and then an emoji or a Windows path (escaped backslashes); paragraphs and numbered lists are
 * separated by escaped newlines. The same seed writes the same bytes.
 *
 * <pre>
 * SyntheticText t = new SyntheticText(Vocabulary.english(), new SplittableRandom(12));
 * t.ascii("{\"output\": \"");
 * t.prose(120, 0.15);
 * t.ascii("\"}\n");
 * out.write(t.buffer(), 0, t.size());
 * t.clear();
 * </pre>
 */
final class SyntheticText {
    private static final byte[] LEFT_QUOTE = utf8("\u201c");
    private static final byte[] RIGHT_QUOTE = utf8("\u201d");
    private static final byte[] LEFT_PAREN = utf8("(");
    private static final byte[] RIGHT_PAREN = utf8(")");
    private static final byte[] EM_DASH = utf8(" \u2014");
    private static final byte[] EMOJI = utf8(" \ud83d\ude0a");
    private static final byte[] PATH = utf8("C:\\\\Users\\\\data");
    private static final byte[] ESCAPED_QUOTE = utf8("\\\"");
    private static final byte[] NEWLINE = utf8("\\n");
    private static final byte[][] IMPERATIVES = words("Explain Describe Write List Summarize Give Translate"
            + " Classify Rewrite Generate Name Compare Identify Create Suggest Find Edit Convert Outline Evaluate");
    private static final byte[][] QUESTIONS = words("What How Why Which Who When Where");

    // One draw out of 10,000 per word picks at most one of these, so a word costs two random ints in all.
    private static final int CURLY = 15;
    private static final int PAREN = CURLY + 30;
    private static final int STRAIGHT = PAREN + 20;
    private static final int NUMBER = STRAIGHT + 250;
    private static final int WINDOWS_PATH = NUMBER + 5;
    private static final int COMMA = WINDOWS_PATH + 700;
    private static final int DASH = COMMA + 15;
    private static final int COLON = DASH + 40;
    private static final int SEMICOLON = COLON + 20;
    private static final int SMILEY = SEMICOLON + 5;

    private final Vocabulary vocabulary;
    private final SplittableRandom rng;
    private byte[] buffer = new byte[1 << 14];
    private int size;

    SyntheticText(Vocabulary vocabulary, SplittableRandom rng) {
        this.vocabulary = vocabulary;
        this.rng = rng;
    }

    byte[] buffer() {
        return buffer;
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    /** JSON syntax around the strings: ASCII the caller has escaped. */
    void ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            put((byte) s.charAt(i));
        }
    }

    /** A task: one imperative or question of {@code words} words. */
    void instruction(int words) {
        boolean question = rng.nextInt(10) < 3;
        byte[][] openers = question ? QUESTIONS : IMPERATIVES;
        put(openers[rng.nextInt(openers.length)]);
        put((byte) ' ');
        words(words - 1, false);
        put((byte) (question ? '?' : '.'));
    }

    /** Sentences of 6 to 24 words until {@code words}; each sentence ends a paragraph with {@code paragraph}. */
    void prose(int words, double paragraph) {
        while (words > 0) {
            int n = Math.min(words, 6 + rng.nextInt(19));
            sentence(n);
            words -= n;
            if (words > 0) {
                if (rng.nextDouble() < paragraph) {
                    put(NEWLINE);
                    put(NEWLINE);
                } else {
                    put((byte) ' ');
                }
            }
        }
    }

    /** An introductory sentence ending in a colon, then numbered items of 5 to 18 words, one per line. */
    void list(int words) {
        int intro = Math.min(words, 8 + rng.nextInt(9));
        words(intro, true);
        put((byte) ':');
        words -= intro;
        for (int item = 1; words > 0; item++) {
            int n = Math.min(words, 5 + rng.nextInt(14));
            put(NEWLINE);
            digits(item);
            put((byte) '.');
            put((byte) ' ');
            sentence(n);
            words -= n;
        }
    }

    private void sentence(int words) {
        words(words, true);
        int end = rng.nextInt(100);
        put((byte) (end < 93 ? '.' : end < 97 ? '?' : '!'));
    }

    /** {@code n} words separated by spaces, with the punctuation inside a sentence; none after the last. */
    private void words(int n, boolean capital) {
        int open = 0;
        byte[] closer = null;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                put((byte) ' ');
            }
            int event = rng.nextInt(10_000);
            if (open == 0 && i < n - 1 && event < STRAIGHT) {
                closer = event < CURLY ? RIGHT_QUOTE : event < PAREN ? RIGHT_PAREN : ESCAPED_QUOTE;
                put(event < CURLY ? LEFT_QUOTE : event < PAREN ? LEFT_PAREN : ESCAPED_QUOTE);
                open = 1 + rng.nextInt(Math.min(3, n - 1 - i));
            }
            if (event >= STRAIGHT && event < NUMBER) {
                number();
            } else if (event >= NUMBER && event < WINDOWS_PATH) {
                put(PATH);
            } else {
                int w = vocabulary.draw(rng);
                put(i == 0 && capital ? vocabulary.capitalized(w) : vocabulary.lower(w));
            }
            if (open > 0 && --open == 0) {
                put(closer);
            }
            if (i < n - 1 && open == 0 && event >= WINDOWS_PATH && event < SMILEY) {
                if (event < COMMA) {
                    put((byte) ',');
                } else if (event < DASH) {
                    put(EM_DASH);
                } else if (event < COLON) {
                    put((byte) ':');
                } else if (event < SEMICOLON) {
                    put((byte) ';');
                } else {
                    put(EMOJI);
                }
            }
        }
        if (open > 0) {
            put(closer);
        }
    }

    /** A count, a year, a decimal, a percentage or a thousands figure. */
    private void number() {
        int kind = rng.nextInt(100);
        if (kind < 45) {
            digits(1 + rng.nextInt(100));
        } else if (kind < 65) {
            digits(1850 + rng.nextInt(175));
        } else if (kind < 80) {
            digits(rng.nextInt(100));
            put((byte) '.');
            digits(rng.nextInt(10));
            digits(rng.nextInt(10));
        } else if (kind < 92) {
            digits(1 + rng.nextInt(99));
            put((byte) '%');
        } else {
            digits(1 + rng.nextInt(999));
            put((byte) ',');
            int rest = rng.nextInt(1000);
            put((byte) ('0' + rest / 100));
            put((byte) ('0' + rest / 10 % 10));
            put((byte) ('0' + rest % 10));
        }
    }

    private void digits(int v) {
        if (v >= 10) {
            digits(v / 10);
        }
        put((byte) ('0' + v % 10));
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
    }

    private void put(byte b) {
        ensure(1);
        buffer[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] words(String list) {
        return Arrays.stream(list.split(" ")).map(SyntheticText::utf8).toArray(byte[][]::new);
    }
}
