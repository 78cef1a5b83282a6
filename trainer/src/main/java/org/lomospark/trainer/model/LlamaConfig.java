package org.lomospark.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a LLaMA-family decoder, read from (and written as) a Hugging Face {@code config.json}.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.fromJson(Path.of("Llama-2-7b-hf/config.json"));
 * LlamaConfig tiny = LlamaConfig.preset("tiny");
 * }</pre>
 *
 * @param ropeScaling {@code null} for plain RoPE
 * @param attentionBias bias on the q/k/v projections (Qwen2 style); o_proj never has one
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        String modelType,
        SpecialTokens tokens) {
    /** The model types whose math this decoder is: LLaMA's, Mistral's without a sliding window, Qwen2's. */
    private static final List<String> MODEL_TYPES = List.of("llama", "mistral", "qwen2");

    /**
     * The special token ids a config.json carries ({@code bos_token_id}, {@code eos_token_id}, one or a list, and
     * {@code pad_token_id}); null where unknown. They do not change the math; export writes them back, and
     * {@code generation_config.json} from them.
     */
    public record SpecialTokens(Integer bos, List<Integer> eos, Integer pad) implements java.io.Serializable {
        public static final SpecialTokens NONE = new SpecialTokens(null, List.of(), null);

        public SpecialTokens {
            eos = eos == null ? List.of() : List.copyOf(eos);
        }

        /** A tokenizer's ids: one eos. */
        public static SpecialTokens of(int bos, int eos, int pad) {
            return new SpecialTokens(bos, List.of(eos), pad);
        }
    }

    /** The same shape with {@code tokens} as its special token ids. */
    public LlamaConfig withTokens(SpecialTokens tokens) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, ropeScaling, maxPositions, tieWordEmbeddings, attentionBias, modelType, tokens);
    }

    /** The {@code llama3} rope_scaling block of a config.json. */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        public RopeScaling {
            require(factor >= 1, "rope_scaling.factor must be >= 1, got " + factor);
            require(highFreqFactor > lowFreqFactor,
                    "rope_scaling.high_freq_factor (" + highFreqFactor + ") must exceed low_freq_factor (" + lowFreqFactor + ")");
            require(originalMaxPositions > 0, "rope_scaling.original_max_position_embeddings must be > 0");
        }
    }

    public LlamaConfig {
        require(vocabSize > 0, "vocab_size must be > 0, got " + vocabSize);
        require(hiddenSize > 0 && intermediateSize > 0 && numLayers > 0, "hidden_size, intermediate_size and num_hidden_layers must be > 0");
        require(numHeads > 0 && numKvHeads > 0, "num_attention_heads and num_key_value_heads must be > 0");
        require(numHeads % numKvHeads == 0,
                "num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be even and > 0 (rotary pairs), got " + headDim);
        require(rmsNormEps > 0, "rms_norm_eps must be > 0");
        require(ropeTheta > 0, "rope_theta must be > 0");
        require(maxPositions > 0, "max_position_embeddings must be > 0");
        modelType = modelType == null ? "llama" : modelType;
        require(MODEL_TYPES.contains(modelType), "model_type '" + modelType + "' is not supported (supported: "
                + String.join(", ", MODEL_TYPES) + ")");
        tokens = tokens == null ? SpecialTokens.NONE : tokens;
    }

    /** Builds a config with head_dim = hidden/heads and the common LLaMA defaults. */
    public static LlamaConfig of(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
        return builder(vocab, hidden, intermediate, layers, heads, kvHeads).build();
    }

    /**
     * A config by name: the six sizes, then only what differs from the LLaMA defaults (head_dim hidden/heads,
     * rms_norm_eps 1e-6, rope_theta 10000 without scaling, 4096 positions, an untied head, no biases, llama).
     * <pre>{@code
     * LlamaConfig c = LlamaConfig.builder(259, 32, 64, 3, 4, 2).maxPositions(128).tieWordEmbeddings(true).build();
     * }</pre>
     */
    public static Builder builder(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
        require(hidden % heads == 0, "hidden_size (" + hidden + ") must be a multiple of num_attention_heads (" + heads + ")");
        return new Builder(vocab, hidden, intermediate, layers, heads, kvHeads);
    }

    /** Named settings for {@link #builder}; {@link #build} checks them all. */
    public static final class Builder {
        private final int vocab;
        private final int hidden;
        private final int intermediate;
        private final int layers;
        private final int heads;
        private final int kvHeads;
        private int headDim;
        private double rmsNormEps = 1e-6;
        private double ropeTheta = 10000.0;
        private RopeScaling ropeScaling;
        private int maxPositions = 4096;
        private boolean tieWordEmbeddings;
        private boolean attentionBias;
        private String modelType = "llama";
        private SpecialTokens tokens = SpecialTokens.NONE;

        private Builder(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
            this.vocab = vocab;
            this.hidden = hidden;
            this.intermediate = intermediate;
            this.layers = layers;
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.headDim = hidden / heads;
        }

        public Builder headDim(int v) {
            headDim = v;
            return this;
        }

        public Builder rmsNormEps(double v) {
            rmsNormEps = v;
            return this;
        }

        public Builder ropeTheta(double v) {
            ropeTheta = v;
            return this;
        }

        public Builder ropeScaling(RopeScaling v) {
            ropeScaling = v;
            return this;
        }

        public Builder maxPositions(int v) {
            maxPositions = v;
            return this;
        }

        public Builder tieWordEmbeddings(boolean v) {
            tieWordEmbeddings = v;
            return this;
        }

        public Builder attentionBias(boolean v) {
            attentionBias = v;
            return this;
        }

        public Builder modelType(String v) {
            modelType = v;
            return this;
        }

        public Builder tokens(SpecialTokens v) {
            tokens = v;
            return this;
        }

        public LlamaConfig build() {
            return new LlamaConfig(vocab, hidden, intermediate, layers, heads, kvHeads, headDim, rmsNormEps,
                    ropeTheta, ropeScaling, maxPositions, tieWordEmbeddings, attentionBias, modelType, tokens);
        }
    }

    /**
     * Named model shapes. Sources: LLaMA paper Table 2 (7B/13B/30B/65B), TinyLlama-1.1B's config.json;
     * {@code tiny} and {@code 100m} are this project's test and benchmark shapes (byte-level vocabulary for tiny).
     */
    public static LlamaConfig preset(String name) {
        return switch (name) {
            case "tiny" -> of(259, 64, 176, 2, 4, 2);
            case "demo" -> of(259, 128, 352, 4, 4, 4);
            case "100m" -> of(32000, 768, 2048, 8, 12, 12);
            case "tinyllama-1.1b" -> of(32000, 2048, 5632, 22, 32, 4);
            case "llama-7b" -> of(32000, 4096, 11008, 32, 32, 32);
            case "llama-13b" -> of(32000, 5120, 13824, 40, 40, 40);
            case "llama-30b" -> of(32000, 6656, 17920, 60, 52, 52);
            case "llama-65b" -> of(32000, 8192, 22016, 80, 64, 64);
            default -> throw new IllegalArgumentException("unknown model preset '" + name
                    + "' (choices: tiny, demo, 100m, tinyllama-1.1b, llama-7b, llama-13b, llama-30b, llama-65b)");
        };
    }

    public int queriesPerKv() {
        return numHeads / numKvHeads;
    }

    /** Number of parameters, counting a tied embedding once. */
    public long parameterCount() {
        long d = hiddenSize;
        long attention = d * numHeads * headDim * 2L + d * numKvHeads * headDim * 2L
                + (attentionBias ? (long) (numHeads + 2 * numKvHeads) * headDim : 0);
        long mlp = 3L * d * intermediateSize;
        long block = attention + mlp + 2 * d;
        long embeddings = (long) vocabSize * d * (tieWordEmbeddings ? 1 : 2);
        return numLayers * block + embeddings + d;
    }

    /** {@code model} as the CLIs and the pipeline take it: a preset name, or a path ending in {@code .json}. */
    public static LlamaConfig of(String model) throws IOException {
        return model.endsWith(".json") ? fromJson(Path.of(model)) : preset(model);
    }

    /** Reads a Hugging Face config.json (LLaMA, Mistral, Qwen2 and other LLaMA-shaped decoders). */
    public static LlamaConfig fromJson(Path file) throws IOException {
        JsonNode n = new ObjectMapper().readTree(file.toFile());
        if (n == null || !n.isObject()) {
            throw new IOException(file + ": not a JSON object");
        }
        try {
            return fromJson(n);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads both forms of the rotary settings: transformers 5.x's {@code rope_parameters} ({@code rope_type},
     * {@code rope_theta}, llama3's {@code factor}...) and 4.x's top-level {@code rope_theta} and
     * {@code rope_scaling}. Any setting that would change the math and that this decoder does not compute is
     * refused, naming the field: another rope type, a sliding window, an activation other than silu, MLP biases,
     * {@code pretraining_tp} above 1, attention dropout, another model type.
     */
    static LlamaConfig fromJson(JsonNode n) {
        String type = n.path("model_type").asText("llama");
        int hidden = intField(n, "hidden_size");
        int heads = intField(n, "num_attention_heads");
        int kvHeads = n.has("num_key_value_heads") && !n.get("num_key_value_heads").isNull()
                ? intField(n, "num_key_value_heads") : heads;
        int headDim = n.has("head_dim") && !n.get("head_dim").isNull() ? intField(n, "head_dim") : hidden / heads;
        // Qwen2 configs carry no attention_bias key: the architecture always has q/k/v biases.
        boolean bias = n.has("attention_bias") ? n.get("attention_bias").asBoolean() : type.equals("qwen2");
        refuseUnsupported(n, type);
        JsonNode parameters = n.get("rope_parameters");
        double theta;
        RopeScaling scaling;
        if (parameters != null && !parameters.isNull()) {
            theta = parameters.path("rope_theta").asDouble(n.path("rope_theta").asDouble(10000.0));
            if (n.has("rope_theta") && !n.get("rope_theta").isNull() && n.get("rope_theta").asDouble() != theta) {
                throw new IllegalArgumentException("rope_theta (" + n.get("rope_theta").asDouble() + ") and "
                        + "rope_parameters.rope_theta (" + theta + ") disagree");
            }
            scaling = ropeScaling(parameters, "rope_parameters");
            JsonNode legacy = n.get("rope_scaling");
            if (legacy != null && !legacy.isNull() && !Objects.equals(ropeScaling(legacy, "rope_scaling"),
                    scaling)) {
                throw new IllegalArgumentException("rope_scaling and rope_parameters disagree");
            }
        } else {
            theta = n.path("rope_theta").asDouble(10000.0);
            JsonNode legacy = n.get("rope_scaling");
            scaling = legacy == null || legacy.isNull() ? null : ropeScaling(legacy, "rope_scaling");
        }
        return new LlamaConfig(intField(n, "vocab_size"), hidden, intField(n, "intermediate_size"),
                intField(n, "num_hidden_layers"), heads, kvHeads, headDim,
                n.path("rms_norm_eps").asDouble(1e-6), theta, scaling, n.path("max_position_embeddings").asInt(4096),
                n.path("tie_word_embeddings").asBoolean(false), bias, type,
                new SpecialTokens(optionalInt(n, "bos_token_id"), ids(n, "eos_token_id"), optionalInt(n, "pad_token_id")));
    }

    private static void refuseUnsupported(JsonNode n, String type) {
        if (!MODEL_TYPES.contains(type)) {
            throw new IllegalArgumentException("model_type '" + type + "' is not supported (supported: "
                    + String.join(", ", MODEL_TYPES) + ")");
        }
        for (String act : List.of("hidden_act", "hidden_activation")) {
            if (n.hasNonNull(act) && !n.get(act).asText().equals("silu")) {
                throw new IllegalArgumentException(act + " '" + n.get(act).asText() + "' is not supported (only silu)");
            }
        }
        if (n.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException("mlp_bias true is not supported (the MLP projections have no bias)");
        }
        if (n.path("pretraining_tp").asInt(1) > 1) {
            throw new IllegalArgumentException("pretraining_tp " + n.get("pretraining_tp").asInt()
                    + " is not supported (only 1: the projections computed whole)");
        }
        if (n.path("attention_dropout").asDouble(0) != 0) {
            throw new IllegalArgumentException("attention_dropout " + n.get("attention_dropout").asDouble()
                    + " is not supported (only 0)");
        }
        // Qwen2 names a window it uses only with use_sliding_window; Mistral uses any window it names
        boolean windowed = type.equals("qwen2") ? n.path("use_sliding_window").asBoolean(false)
                : n.hasNonNull("sliding_window");
        if (windowed) {
            throw new IllegalArgumentException((type.equals("qwen2") ? "use_sliding_window true" : "sliding_window "
                    + n.get("sliding_window")) + " is not supported (full causal attention only)");
        }
        JsonNode layers = n.get("layer_types");
        if (layers != null && layers.isArray()) {
            for (int i = 0; i < layers.size(); i++) {
                if (!layers.get(i).asText().equals("full_attention")) {
                    throw new IllegalArgumentException("layer_types[" + i + "] '" + layers.get(i).asText()
                            + "' is not supported (full_attention only)");
                }
            }
        }
    }

    /** A {@code rope_parameters} or {@code rope_scaling} block: null for plain RoPE, llama3's, or an error. */
    private static RopeScaling ropeScaling(JsonNode r, String field) {
        String kind = r.has("rope_type") ? r.get("rope_type").asText() : r.path("type").asText("default");
        if (kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw new IllegalArgumentException(field + ".rope_type '" + kind + "' is not supported (supported: "
                    + "default, llama3)");
        }
        return new RopeScaling(r.path("factor").asDouble(8.0), r.path("low_freq_factor").asDouble(1.0),
                r.path("high_freq_factor").asDouble(4.0), r.path("original_max_position_embeddings").asInt(8192));
    }

    private static Integer optionalInt(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + field + "' is not an integer: " + v);
        }
        return v.intValue();
    }

    /** One id or a list of them (LLaMA-3's eos_token_id). */
    private static List<Integer> ids(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v.isArray() ? v : List.of(v)) {
            if (!e.canConvertToInt()) {
                throw new IllegalArgumentException("field '" + field + "' is not an integer or a list of them: " + v);
            }
            out.add(e.intValue());
        }
        return out;
    }

    private static int intField(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
        }
        return v.intValue();
    }

    /**
     * The config.json Hugging Face transformers 4.x and 5.x both read back as this model: the rotary settings in
     * both forms ({@code rope_theta} and {@code rope_scaling}; {@code rope_parameters}), the dtype under both names
     * ({@code torch_dtype}, {@code dtype}), the settings this decoder fixes written out, and the special token ids.
     */
    public String toJson(String torchDtype) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.putArray("architectures").add(modelType.equals("qwen2") ? "Qwen2ForCausalLM"
                : modelType.equals("mistral") ? "MistralForCausalLM" : "LlamaForCausalLM");
        n.put("model_type", modelType);
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("num_attention_heads", numHeads);
        n.put("num_key_value_heads", numKvHeads);
        n.put("head_dim", headDim);
        n.put("hidden_act", "silu");
        n.put("rms_norm_eps", rmsNormEps);
        n.put("max_position_embeddings", maxPositions);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        n.put("attention_bias", attentionBias);
        n.put("attention_dropout", 0.0);
        if (!modelType.equals("qwen2")) {
            n.put("mlp_bias", false);
            n.put("pretraining_tp", 1);
        }
        if (!modelType.equals("llama")) {
            n.putNull("sliding_window");
            n.put("use_sliding_window", false);
        }
        n.put("torch_dtype", torchDtype);
        n.put("dtype", torchDtype);
        n.put("rope_theta", ropeTheta);
        ObjectNode rope = n.putObject("rope_parameters");
        rope.put("rope_type", ropeScaling == null ? "default" : "llama3");
        rope.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            n.putNull("rope_scaling");
        } else {
            ObjectNode legacy = n.putObject("rope_scaling");
            legacy.put("rope_type", "llama3");
            for (ObjectNode o : List.of(legacy, rope)) {
                o.put("factor", ropeScaling.factor);
                o.put("low_freq_factor", ropeScaling.lowFreqFactor);
                o.put("high_freq_factor", ropeScaling.highFreqFactor);
                o.put("original_max_position_embeddings", ropeScaling.originalMaxPositions);
            }
        }
        putTokens(n);
        return pretty(m, n);
    }

    /** The generation_config.json transformers reads: the special token ids, greedy by default. */
    public String generationConfigJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        putTokens(n);
        n.put("do_sample", false);
        return pretty(m, n);
    }

    private void putTokens(ObjectNode n) {
        if (tokens.bos() != null) {
            n.put("bos_token_id", tokens.bos());
        }
        if (tokens.eos().size() == 1) {
            n.put("eos_token_id", tokens.eos().get(0));
        } else if (!tokens.eos().isEmpty()) {
            tokens.eos().forEach(n.putArray("eos_token_id")::add);
        }
        if (tokens.pad() != null) {
            n.put("pad_token_id", tokens.pad());
        }
    }

    private static String pretty(ObjectMapper m, ObjectNode n) {
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes config.json and generation_config.json into a checkpoint directory. */
    public void writeTo(Path dir, String torchDtype) throws IOException {
        Files.writeString(dir.resolve(GENERATION_CONFIG), generationConfigJson());
        Files.writeString(dir.resolve("config.json"), toJson(torchDtype));
    }

    /** The file beside config.json that holds {@link #generationConfigJson}. */
    public static final String GENERATION_CONFIG = "generation_config.json";

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
