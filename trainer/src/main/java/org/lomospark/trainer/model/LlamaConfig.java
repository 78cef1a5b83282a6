package org.lomospark.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
        String modelType) {

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
    }

    /** Builds a config with head_dim = hidden/heads and the common LLaMA defaults. */
    public static LlamaConfig of(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
        require(hidden % heads == 0, "hidden_size (" + hidden + ") must be a multiple of num_attention_heads (" + heads + ")");
        return new LlamaConfig(vocab, hidden, intermediate, layers, heads, kvHeads, hidden / heads,
                1e-6, 10000.0, null, 4096, false, false, "llama");
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

    static LlamaConfig fromJson(JsonNode n) {
        String type = n.path("model_type").asText("llama");
        int hidden = intField(n, "hidden_size");
        int heads = intField(n, "num_attention_heads");
        int kvHeads = n.has("num_key_value_heads") && !n.get("num_key_value_heads").isNull()
                ? intField(n, "num_key_value_heads") : heads;
        int headDim = n.has("head_dim") && !n.get("head_dim").isNull() ? intField(n, "head_dim") : hidden / heads;
        // Qwen2 configs carry no attention_bias key: the architecture always has q/k/v biases.
        boolean bias = n.has("attention_bias") ? n.get("attention_bias").asBoolean() : type.equals("qwen2");
        return new LlamaConfig(intField(n, "vocab_size"), hidden, intField(n, "intermediate_size"),
                intField(n, "num_hidden_layers"), heads, kvHeads, headDim,
                n.path("rms_norm_eps").asDouble(1e-6), n.path("rope_theta").asDouble(10000.0),
                ropeScaling(n.get("rope_scaling")), n.path("max_position_embeddings").asInt(4096),
                n.path("tie_word_embeddings").asBoolean(false), bias, type);
    }

    private static RopeScaling ropeScaling(JsonNode r) {
        if (r == null || r.isNull()) {
            return null;
        }
        String kind = r.has("rope_type") ? r.get("rope_type").asText() : r.path("type").asText("");
        if (kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw new IllegalArgumentException("rope_scaling type '" + kind + "' is not supported (supported: llama3)");
        }
        return new RopeScaling(r.path("factor").asDouble(8.0), r.path("low_freq_factor").asDouble(1.0),
                r.path("high_freq_factor").asDouble(4.0), r.path("original_max_position_embeddings").asInt(8192));
    }

    private static int intField(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
        }
        return v.intValue();
    }

    /** The config.json Hugging Face transformers reads back for this shape. */
    public String toJson(String torchDtype) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.putArray("architectures").add(modelType.equals("qwen2") ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
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
        n.put("rope_theta", ropeTheta);
        n.put("max_position_embeddings", maxPositions);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        n.put("attention_bias", attentionBias);
        n.put("torch_dtype", torchDtype);
        if (ropeScaling != null) {
            n.set("rope_scaling", m.valueToTree(Map.of("rope_type", "llama3", "factor", ropeScaling.factor,
                    "low_freq_factor", ropeScaling.lowFreqFactor, "high_freq_factor", ropeScaling.highFreqFactor,
                    "original_max_position_embeddings", ropeScaling.originalMaxPositions)));
        }
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes config.json into a checkpoint directory. */
    public void writeTo(Path dir, String torchDtype) throws IOException {
        Files.writeString(dir.resolve("config.json"), toJson(torchDtype));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
