package org.lomospark.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsLlama3ConfigWithGroupedQueriesAndRopeScaling() throws IOException {
        Path f = write("""
                {"model_type":"llama","vocab_size":128256,"hidden_size":2048,"intermediate_size":8192,
                 "num_hidden_layers":16,"num_attention_heads":32,"num_key_value_heads":8,"head_dim":64,
                 "rms_norm_eps":1e-05,"rope_theta":500000.0,"tie_word_embeddings":true,
                 "max_position_embeddings":131072,
                 "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
                                 "original_max_position_embeddings":8192,"rope_type":"llama3"}}""");
        LlamaConfig c = LlamaConfig.fromJson(f);
        assertEquals(8, c.numKvHeads());
        assertEquals(4, c.queriesPerKv());
        assertEquals(32.0, c.ropeScaling().factor());
        assertTrue(c.tieWordEmbeddings());
        // Llama-3.2-1B: 1,235,814,400 parameters with the tied embedding counted once
        assertEquals(1_235_814_400L, c.parameterCount());
    }

    @Test
    void qwen2ConfigImpliesQkvBias() throws IOException {
        Path f = write("""
                {"model_type":"qwen2","vocab_size":1000,"hidden_size":64,"intermediate_size":128,
                 "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2}""");
        LlamaConfig c = LlamaConfig.fromJson(f);
        assertTrue(c.attentionBias());
        assertNull(c.ropeScaling());
    }

    @Test
    void writtenConfigReadsBackEqual() throws IOException {
        LlamaConfig c = LlamaConfig.builder(300, 64, 128, 2, 4, 2).rmsNormEps(1e-5).ropeTheta(500000)
                .ropeScaling(new LlamaConfig.RopeScaling(8, 1, 4, 8192)).maxPositions(2048).tieWordEmbeddings(true)
                .attentionBias(true).build();
        c.writeTo(dir, "bfloat16");
        assertEquals(c, LlamaConfig.fromJson(dir.resolve("config.json")));
    }

    @Test
    void badConfigsNameTheField() throws IOException {
        Path missing = write("{\"hidden_size\":64,\"intermediate_size\":128,\"num_hidden_layers\":2,\"num_attention_heads\":4}");
        IOException e = assertThrows(IOException.class, () -> LlamaConfig.fromJson(missing));
        assertTrue(e.getMessage().contains("vocab_size") && e.getMessage().contains(missing.toString()), e.getMessage());
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.of(10, 64, 128, 2, 4, 3));
        assertTrue(heads.getMessage().contains("num_key_value_heads"), heads.getMessage());
        Path yarn = write("""
                {"vocab_size":10,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
                 "num_attention_heads":4,"rope_scaling":{"rope_type":"yarn","factor":4}}""");
        assertTrue(assertThrows(IOException.class, () -> LlamaConfig.fromJson(yarn)).getMessage().contains("yarn"));
    }

    private static final String SHAPE = """
            "vocab_size":300,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
            "num_attention_heads":4,"num_key_value_heads":2,"max_position_embeddings":2048,""";

    @Test
    void readsTransformers5RopeParametersAsThe4xFormSaysTheSame() throws IOException {
        LlamaConfig v5 = LlamaConfig.fromJson(write("{" + SHAPE + """
                "rope_parameters":{"rope_type":"llama3","rope_theta":500000.0,"factor":8.0,"low_freq_factor":1.0,
                                   "high_freq_factor":4.0,"original_max_position_embeddings":1024}}"""));
        LlamaConfig v4 = LlamaConfig.fromJson(write("{" + SHAPE + """
                "rope_theta":500000.0,"rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,
                                   "high_freq_factor":4.0,"original_max_position_embeddings":1024}}"""));
        assertEquals(500000.0, v5.ropeTheta());
        assertEquals(new LlamaConfig.RopeScaling(8, 1, 4, 1024), v5.ropeScaling());
        assertEquals(v4, v5);
        LlamaConfig plain = LlamaConfig.fromJson(write("{" + SHAPE + """
                "rope_parameters":{"rope_type":"default","rope_theta":1000000.0}}"""));
        assertEquals(1000000.0, plain.ropeTheta());
        assertNull(plain.ropeScaling());
    }

    @Test
    void exportWritesBothRopeFormsTheTokenIdsAndAGenerationConfig() throws IOException {
        LlamaConfig c = LlamaConfig.builder(300, 64, 128, 2, 4, 2).rmsNormEps(1e-5).ropeTheta(500000)
                .ropeScaling(new LlamaConfig.RopeScaling(8, 1, 4, 1024)).maxPositions(2048).tieWordEmbeddings(true)
                .tokens(new LlamaConfig.SpecialTokens(1, java.util.List.of(2, 7), 0)).build();
        c.writeTo(dir, "float32");
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("config.json").toFile());
        assertEquals(500000.0, n.get("rope_theta").asDouble());
        assertEquals("llama3", n.get("rope_scaling").get("rope_type").asText());
        assertEquals(1024, n.get("rope_scaling").get("original_max_position_embeddings").asInt());
        assertEquals(500000.0, n.get("rope_parameters").get("rope_theta").asDouble());
        assertEquals(8.0, n.get("rope_parameters").get("factor").asDouble());
        assertEquals(1, n.get("bos_token_id").asInt());
        assertEquals("[2,7]", n.get("eos_token_id").toString());
        assertEquals(0, n.get("pad_token_id").asInt());
        assertEquals("float32", n.get("torch_dtype").asText());
        assertEquals("float32", n.get("dtype").asText());
        com.fasterxml.jackson.databind.JsonNode g = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve(LlamaConfig.GENERATION_CONFIG).toFile());
        assertEquals(1, g.get("bos_token_id").asInt());
        assertEquals("[2,7]", g.get("eos_token_id").toString());
        assertEquals(c, LlamaConfig.fromJson(dir.resolve("config.json")));
        // the 5.x form alone reads back the same
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove(java.util.List.of("rope_theta", "rope_scaling"));
        Files.writeString(dir.resolve("config.json"), n.toString());
        assertEquals(c, LlamaConfig.fromJson(dir.resolve("config.json")));
    }

    @Test
    void settingsThatChangeTheMathAndAreNotComputedAreRefusedNamingTheField() throws IOException {
        String[][] cases = {
            {"\"rope_parameters\":{\"rope_type\":\"yarn\",\"rope_theta\":10000.0,\"factor\":4.0}",
                "rope_parameters.rope_type 'yarn'"},
            {"\"rope_scaling\":{\"type\":\"dynamic\",\"factor\":2.0}", "rope_scaling.rope_type 'dynamic'"},
            {"\"rope_scaling\":{\"rope_type\":\"longrope\"}", "'longrope'"},
            {"\"model_type\":\"mistral\",\"sliding_window\":4096", "sliding_window 4096"},
            {"\"model_type\":\"qwen2\",\"use_sliding_window\":true,\"sliding_window\":4096",
                "use_sliding_window true"},
            {"\"layer_types\":[\"full_attention\",\"sliding_attention\"]", "layer_types[1] 'sliding_attention'"},
            {"\"hidden_act\":\"gelu\"", "hidden_act 'gelu'"},
            {"\"mlp_bias\":true", "mlp_bias"},
            {"\"pretraining_tp\":2", "pretraining_tp 2"},
            {"\"attention_dropout\":0.1", "attention_dropout 0.1"},
            {"\"model_type\":\"gemma\"", "model_type 'gemma'"},
            {"\"rope_theta\":10000.0,\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":500000.0}",
                "rope_theta (10000.0) and rope_parameters.rope_theta (500000.0) disagree"},
        };
        for (String[] c : cases) {
            Path f = write("{" + SHAPE + c[0] + "}");
            IOException e = assertThrows(IOException.class, () -> LlamaConfig.fromJson(f), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(f.toString()), e.getMessage());
        }
        // what is fine stays fine: a Qwen2 window that is off, full attention everywhere, silu, tp 1
        LlamaConfig.fromJson(write("{" + SHAPE + """
                "model_type":"qwen2","use_sliding_window":false,"sliding_window":131072,"hidden_act":"silu",
                "layer_types":["full_attention","full_attention"],"pretraining_tp":1,"mlp_bias":false,
                "attention_dropout":0.0}"""));
    }

    private Path write(String json) throws IOException {
        Path f = Files.createTempFile(dir, "config", ".json");
        Files.writeString(f, json);
        return f;
    }
}
