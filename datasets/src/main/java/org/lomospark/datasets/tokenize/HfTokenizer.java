package org.lomospark.datasets.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} run by the Rust tokenizers library through DJL, with its specials
 * named by {@code tokenizer_config.json}. Holds a native tokenizer: close it.
 *
 * <pre>
 * try (HfTokenizer t = HfTokenizer.load(Path.of("llama-2-7b"))) {
 *     int[] ids = t.encode("Does this mean that ...");   // no bos: the prompt code adds it
 *     String text = t.decode(ids);
 * }
 * </pre>
 *
 * <p>Specials: {@code bos_token}, {@code eos_token} and {@code pad_token} of {@code tokenizer_config.json},
 * each a string or a {@code {"content": ...}} object. Without that file, or without bos/eos in it, they are
 * looked up by their usual LLaMA-family names among the {@code added_tokens} of {@code tokenizer.json}. LLaMA
 * has no pad token, so pad falls back to eos: padded positions carry no loss, so its id only needs to exist.
 *
 * <p>The native library is unpacked on first use into DJL's cache, {@code ~/.djl.ai} unless the
 * {@code DJL_CACHE_DIR} environment variable or system property says otherwise; nothing is downloaded for
 * linux-x86_64, whose library ships in the jar. {@code RUST_FLAVOR=cpu} skips DJL's CUDA probe.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<bos>");
    private static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>");

    private final HuggingFaceTokenizer rust;
    private final int vocabSize;
    private final int bos;
    private final int eos;
    private final int pad;
    private final String fingerprint;

    private HfTokenizer(HuggingFaceTokenizer rust, int vocabSize, int bos, int eos, int pad,
            String fingerprint) {
        this.rust = rust;
        this.vocabSize = vocabSize;
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
        this.fingerprint = fingerprint;
    }

    /** Reads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. */
    public static HfTokenizer load(Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Path configFile = dir.resolve("tokenizer_config.json");
        byte[] config = Files.exists(configFile) ? Files.readAllBytes(configFile) : null;
        return load(Files.readAllBytes(file), config, file.toString(), configFile.toString());
    }

    /**
     * The same from the two files' bytes, say read from a Hadoop filesystem; {@code config} null when there is
     * no {@code tokenizer_config.json}. The names only go into error messages.
     */
    public static HfTokenizer load(byte[] bytes, byte[] configBytes, String file, String configFile)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode tokenizer = json.readTree(bytes);
        Map<String, Integer> vocab = vocab(tokenizer, file);
        Set<String> addedSpecials = new HashSet<>();
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (added.path("special").asBoolean()) {
                addedSpecials.add(added.path("content").asText());
            }
        }

        JsonNode config = configBytes != null ? json.readTree(configBytes) : json.nullNode();
        String where = configBytes != null ? configFile + " nor " + file : file;
        String bosName = special(config, "bos_token", BOS_NAMES, addedSpecials, where);
        String eosName = special(config, "eos_token", EOS_NAMES, addedSpecials, where);
        String padName = config.hasNonNull("pad_token") ? content(config.get("pad_token")) : eosName;

        int bos = id(vocab, bosName, "bos", file);
        int eos = id(vocab, eosName, "eos", file);
        int pad = id(vocab, padName, "pad", file);
        int vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        // Our encode never adds specials, and ids are never cut or padded here: that is the caller's job.
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false",
                "padding", "false");
        HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options);
        return new HfTokenizer(rust, vocabSize, bos, eos, pad, "hf-sha256:" + sha256(bytes));
    }

    /** The model's vocabulary plus the added tokens: Unigram lists {@code [token, score]} pairs, others map. */
    private static Map<String, Integer> vocab(JsonNode tokenizer, String file) {
        JsonNode model = tokenizer.path("model").path("vocab");
        if (!model.isObject() && !model.isArray()) {
            throw new IllegalArgumentException(file + " has no model.vocab");
        }
        Map<String, Integer> vocab = new HashMap<>();
        if (model.isArray()) {
            for (int id = 0; id < model.size(); id++) {
                vocab.put(model.get(id).get(0).asText(), id);
            }
        } else {
            model.properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            vocab.put(added.path("content").asText(), added.path("id").asInt());
        }
        return vocab;
    }

    private static String special(JsonNode config, String key, List<String> usualNames,
            Set<String> addedSpecials, String where) {
        if (config.hasNonNull(key)) {
            return content(config.get(key));
        }
        return usualNames.stream().filter(addedSpecials::contains).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + key + " in " + where
                        + " (looked for special added_tokens " + usualNames + ")"));
    }

    /** A special is written {@code "</s>"} or {@code {"content": "</s>", "lstrip": false, ...}}. */
    private static String content(JsonNode token) {
        return token.isObject() ? token.path("content").asText() : token.asText();
    }

    private static int id(Map<String, Integer> vocab, String name, String role, String file) {
        Integer id = vocab.get(name);
        if (id == null) {
            throw new IllegalArgumentException(role + " token '" + name + "' is not in the vocabulary of " + file);
        }
        return id;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Throws {@link IllegalArgumentException} when the text spells a special, say a literal {@code "</s>"}. */
    @Override
    public int[] encode(String text) {
        long[] ids = rust.encode(text).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
            if (isSpecial(out[i])) {
                throw new IllegalArgumentException("text spells the special id " + out[i] + " at token " + i
                        + "; specials are added by the prompt code, never read from text");
            }
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= vocabSize || isSpecial(id)) {
                throw new IllegalArgumentException("cannot decode id " + id + " at position " + i + ": "
                        + (isSpecial(id) ? "it is a special (bos, eos or pad)" : "outside the vocabulary of "
                        + vocabSize));
            }
            longs[i] = id;
        }
        return rust.decode(longs, false);
    }

    private boolean isSpecial(int id) {
        return id == bos || id == eos || id == pad;
    }

    /** One past the largest id of the model vocabulary and the added tokens. */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public int pad() {
        return pad;
    }

    /** {@code "hf-sha256:"} and the SHA-256 of the {@code tokenizer.json} bytes. */
    @Override
    public String fingerprint() {
        return fingerprint;
    }

    /** Frees the native tokenizer; closing twice does nothing. */
    @Override
    public void close() {
        rust.close();
    }
}
