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
        LlamaConfig c = new LlamaConfig(300, 64, 128, 2, 4, 2, 16, 1e-5, 500000,
                new LlamaConfig.RopeScaling(8, 1, 4, 8192), 2048, true, true, "llama");
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

    private Path write(String json) throws IOException {
        Path f = Files.createTempFile(dir, "config", ".json");
        Files.writeString(f, json);
        return f;
    }
}
