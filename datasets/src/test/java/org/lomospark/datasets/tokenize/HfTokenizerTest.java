package org.lomospark.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    /** A WordLevel tokenizer.json: [UNK] 0, the specials 1 and 2, then 20 words and the full stop. */
    private static final String WORD_LEVEL = """
            {
              "version": "1.0", "truncation": null, "padding": null,
              "added_tokens": [
                {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true},
                {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true},
                {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true}
              ],
              "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
              "model": {"type": "WordLevel", "unk_token": "[UNK]", "vocab": {
                "[UNK]": 0, "<s>": 1, "</s>": 2, "the": 3, "cat": 4, "sat": 5, "on": 6, "mat": 7, "a": 8,
                "dog": 9, "ran": 10, "to": 11, "park": 12, "and": 13, "it": 14, "was": 15, "happy": 16,
                ".": 17, "big": 18, "small": 19, "red": 20, "house": 21, "in": 22%s}}
            }
            """;

    /** A BPE tokenizer.json: words end in "</w>", merged by rank into "low", "er</w>", "est</w>". */
    private static final String BPE = """
            {
              "version": "1.0", "truncation": null, "padding": null,
              "added_tokens": [
                {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true},
                {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true},
                {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true}
              ],
              "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
              "decoder": {"type": "BPEDecoder", "suffix": "</w>"},
              "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                "end_of_word_suffix": "</w>", "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "l": 3, "o": 4, "w": 5, "e": 6, "r": 7, "s": 8, "t": 9,
                  "w</w>": 10, "r</w>": 11, "t</w>": 12, "lo": 13, "low</w>": 14, "low": 15, "er</w>": 16,
                  "es": 17, "est</w>": 18},
                "merges": ["l o", "lo w</w>", "lo w", "e r</w>", "e s", "es t</w>"]}
            }
            """;

    @TempDir
    Path dir;

    private HfTokenizer load(String configJson) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL.formatted(""));
        if (configJson != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), configJson);
        }
        return HfTokenizer.load(dir);
    }

    @Test
    void encodesWordsToTheirVocabIdsWithoutSpecials() throws IOException {
        try (HfTokenizer t = load(null)) {
            assertArrayEquals(new int[] {3, 4, 5, 6, 3, 7, 17}, t.encode("the cat sat on the mat."));
            assertArrayEquals(new int[] {8, 0, 10}, t.encode("a zebra ran"));
            assertEquals(23, t.vocabSize());
        }
    }

    @Test
    void bpeMergesWordsAndDecodesBackToText() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), BPE);
        try (HfTokenizer t = HfTokenizer.load(dir)) {
            assertArrayEquals(new int[] {14, 15, 16, 15, 18}, t.encode("low lower lowest"));
            assertEquals("low lower lowest", t.decode(t.encode("low lower lowest")));
            assertEquals(19, t.vocabSize());
            assertEquals(1, t.bos());
            assertEquals(2, t.eos());
        }
    }

    @Test
    void decodeRoundTripsAndRejectsSpecials() throws IOException {
        try (HfTokenizer t = load(null)) {
            assertEquals("the dog ran to the park", t.decode(t.encode("the dog ran to the park")));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.decode(new int[] {3, 2}));
            assertEquals("cannot decode id 2 at position 1: it is a special (bos, eos or pad)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {23}));
        }
    }

    @Test
    void encodeRefusesTextThatSpellsASpecial() throws IOException {
        try (HfTokenizer t = load(null)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("the </s>"));
            assertTrue(e.getMessage().startsWith("text spells the special id 2 at token 1"), e.getMessage());
        }
    }

    @Test
    void specialsFallBackToAddedTokensAndPadToEos() throws IOException {
        try (HfTokenizer t = load(null)) {
            assertEquals(1, t.bos());
            assertEquals(2, t.eos());
            assertEquals(2, t.pad());
        }
    }

    @Test
    void specialsComeFromTheConfigAsStringsOrContentObjects() throws IOException {
        String config = """
                {"bos_token": "the", "eos_token": {"content": ".", "lstrip": false}, "pad_token": {"content": "[UNK]"}}
                """;
        try (HfTokenizer t = load(config)) {
            assertEquals(3, t.bos());
            assertEquals(17, t.eos());
            assertEquals(0, t.pad());
        }
    }

    @Test
    void nullPadInTheConfigFallsBackToEos() throws IOException {
        try (HfTokenizer t = load("{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"pad_token\": null}")) {
            assertEquals(2, t.pad());
        }
    }

    @Test
    void fingerprintIsTheFileHashStableUntilTheFileChanges() throws IOException {
        String first;
        try (HfTokenizer t = load(null)) {
            first = t.fingerprint();
        }
        assertTrue(first.matches("hf-sha256:[0-9a-f]{64}"), first);
        try (HfTokenizer again = HfTokenizer.load(dir)) {
            assertEquals(first, again.fingerprint());
        }
        Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL.formatted(", \"blue\": 23"));
        try (HfTokenizer changed = HfTokenizer.load(dir)) {
            assertNotEquals(first, changed.fingerprint());
            assertEquals(24, changed.vocabSize());
        }
    }

    @Test
    void missingTokenizerJsonNamesTheFile() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> HfTokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer.json").toString(), e.getMessage());
    }

    @Test
    void specialNotInTheVocabularyIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("{\"bos_token\": \"<s>\", \"eos_token\": \"<|eot_id|>\"}"));
        assertEquals("eos token '<|eot_id|>' is not in the vocabulary of " + dir.resolve("tokenizer.json"),
                e.getMessage());
    }

    @Test
    void missingBosNamesBothFiles() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL.formatted("").replace("\"<s>\"", "\"<x>\""));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));
        assertEquals("no bos_token in " + dir.resolve("tokenizer_config.json") + " nor "
                + dir.resolve("tokenizer.json") + " (looked for special added_tokens [<s>, <|begin_of_text|>, <bos>])",
                e.getMessage());
    }
}
