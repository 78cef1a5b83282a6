package org.lomospark.datasets.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

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

    /**
     * Writes this tokenizer as Hugging Face tokenizer files into {@code dir}, so a model trained with it loads
     * with {@code AutoTokenizer} (and {@link HfTokenizer}) and gives the same ids: {@code tokenizer.json} is a BPE
     * model without merges whose vocabulary is the 256 byte tokens {@code <0x00>..<0xFF>} (ids 0..255) with byte
     * fallback, so every character becomes its UTF-8 bytes, and the specials {@code <s>} 256, {@code </s>} 257,
     * {@code <pad>} 258; {@code tokenizer_config.json} names them. Nothing is added around the text. One
     * difference: Hugging Face tools read text that spells a special ({@code "<s>"}) as that special, where this
     * tokenizer gives its bytes.
     */
    public static void writeHuggingFaceFiles(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode t = json.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        String[] specials = {"<s>", "</s>", "<pad>"};
        for (int k = 0; k < specials.length; k++) {
            ObjectNode a = added.addObject();
            a.put("id", BYTES + k);
            a.put("content", specials[k]);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        t.putNull("normalizer");
        t.putNull("pre_tokenizer");
        t.putNull("post_processor");
        ObjectNode decoder = t.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode steps = decoder.putArray("decoders");
        steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse");
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < BYTES; b++) {
            vocab.put(String.format(Locale.ROOT, "<0x%02X>", b), b);
        }
        for (int k = 0; k < specials.length; k++) {
            vocab.put(specials[k], BYTES + k);
        }
        model.putArray("merges");
        Files.writeString(dir.resolve("tokenizer.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(t));
        ObjectNode c = json.createObjectNode();
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.put("bos_token", "<s>");
        c.put("eos_token", "</s>");
        c.put("pad_token", "<pad>");
        c.put("add_bos_token", false);
        c.put("add_eos_token", false);
        c.put("clean_up_tokenization_spaces", false);
        Files.writeString(dir.resolve("tokenizer_config.json"),
                json.writerWithDefaultPrettyPrinter().writeValueAsString(c));
    }
}
