package org.lomospark.datasets.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A GPT-2-style byte-level BPE {@code tokenizer.json} for tests: every byte is a token (so any text encodes), a
 * few merges make it a real, non-additive BPE ("the" alone is one token, but "th" + "e" across a cut is two), and
 * {@code <s>}, {@code </s>} are the specials named by a {@code tokenizer_config.json}.
 */
public final class ByteLevelBpe {
    /** Merges in rank order; each result is a vocabulary entry after the 256 bytes. */
    private static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "Ġ a", "i s", "Ġ is", "e r", "o n",
            "Ġ o", "Ġo n", "i n");
    public static final int BOS = 256 + MERGES.size();
    public static final int EOS = BOS + 1;
    public static final int VOCAB = EOS + 1;

    private ByteLevelBpe() {}

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}; returns {@code dir}. */
    public static Path write(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        added.add(special(json, BOS, "<s>"));
        added.add(special(json, EOS, "</s>"));
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(json));
        root.putNull("post_processor");
        root.set("decoder", byteLevel(json));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        char[] unicode = bytesToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(unicode[b]), b);
        }
        ArrayNode merges = model.putArray("merges");
        for (int i = 0; i < MERGES.size(); i++) {
            merges.add(MERGES.get(i));
            vocab.put(MERGES.get(i).replace(" ", ""), 256 + i);
        }
        vocab.put("<s>", BOS);
        vocab.put("</s>", EOS);
        Files.createDirectories(dir);
        Files.write(dir.resolve("tokenizer.json"), json.writeValueAsBytes(root));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        return dir;
    }

    private static ObjectNode special(ObjectMapper json, int id, String content) {
        ObjectNode t = json.createObjectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
        return t;
    }

    private static ObjectNode byteLevel(ObjectMapper json) {
        ObjectNode n = json.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", true);
        n.put("use_regex", true);
        return n;
    }

    /** GPT-2's printable stand-in for each byte: printable Latin-1 as itself, the rest from U+0100 on. */
    private static char[] bytesToUnicode() {
        char[] out = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) (256 + next++);
        }
        return out;
    }
}
