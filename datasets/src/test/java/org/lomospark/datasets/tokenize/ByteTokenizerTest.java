package org.lomospark.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteTokenizerTest {
    private final Tokenizer tokenizer = new ByteTokenizer();

    @Test
    void asciiIsOneIdPerCharacter() {
        assertArrayEquals(new int[] {79, 117, 105, 32, 63}, tokenizer.encode("Oui ?"));
    }

    @Test
    void nonAsciiRoundTripsThroughItsUtf8Bytes() {
        String text = "Zoë paid 5€ in 東京 🙂";
        int[] ids = tokenizer.encode(text);
        // 14 ASCII characters, then ë 2 bytes, € 3, each kanji 3, the emoji 4
        assertEquals(14 + 2 + 3 + 3 + 3 + 4, ids.length);
        assertArrayEquals(new int[] {0xC3, 0xAB}, Arrays.copyOfRange(ids, 2, 4));
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void encodeNeverEmitsSpecials() {
        int[] ids = tokenizer.encode("\u0000\u00ff\uffff" + "\uD83D\uDE42");
        assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < 256), Arrays.toString(ids));
    }

    @Test
    void specialsAreTheThreeIdsAfterTheBytes() {
        assertEquals(259, tokenizer.vocabSize());
        assertEquals(Set.of(256, 257, 258), Set.of(tokenizer.bos(), tokenizer.eos(), tokenizer.pad()));
        assertEquals(256, tokenizer.bos());
        assertEquals(257, tokenizer.eos());
        assertEquals(258, tokenizer.pad());
        assertEquals("byte-utf8-v1", tokenizer.fingerprint());
    }

    @Test
    void decodingASpecialNamesItAndItsPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {72, 105, 257}));
        assertEquals("cannot decode id 257 at position 2: it is the special eos; only byte ids 0..255 are text",
                e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}))
                .getMessage().contains("outside the vocabulary of 259"));
    }

    @Test
    void invalidUtf8DecodesToReplacementCharacters() {
        // "é" is C3 A9: its first byte alone, then a stray continuation byte
        assertEquals("a\uFFFDb\uFFFD", tokenizer.decode(new int[] {'a', 0xC3, 'b', 0xA9}));
    }

    @Test
    void itsHuggingFaceFilesLoadAsTheSameTokenizer(@TempDir Path dir) throws Exception {
        ByteTokenizer.writeHuggingFaceFiles(dir);
        try (HfTokenizer hf = HfTokenizer.load(dir)) {
            assertEquals(tokenizer.vocabSize(), hf.vocabSize());
            assertEquals(tokenizer.bos(), hf.bos());
            assertEquals(tokenizer.eos(), hf.eos());
            assertEquals(tokenizer.pad(), hf.pad());
            for (String text : new String[] {"Is the sky blue? Yes.", "  two  spaces\tand a tab\n", "Zoë über 東京 🙂",
                    ""}) {
                assertArrayEquals(tokenizer.encode(text), hf.encode(text), text);
                assertEquals(text, hf.decode(tokenizer.encode(text)), text);
            }
        }
    }
}
