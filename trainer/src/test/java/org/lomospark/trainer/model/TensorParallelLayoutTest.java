package org.lomospark.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.dist.LayoutOnlyGroup;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Which slices a tensor-parallel rank holds, checked without any other rank: a rank built from a seed or loaded from
 * a checkpoint holds exactly its part of the one-rank model.
 */
class TensorParallelLayoutTest {
    private static final Placement F32 = Placement.cpu(ScalarType.Float);
    /** Grouped-query attention, q/k/v biases, untied head; a vocabulary of 259 splits unevenly (129 + 130). */
    private static final LlamaConfig GQA = LlamaConfig.builder(259, 32, 64, 2, 4, 2).maxPositions(128)
            .attentionBias(true).build();
    private static final LlamaConfig TIED = LlamaConfig.builder(259, 32, 64, 2, 4, 4).maxPositions(128)
            .tieWordEmbeddings(true).build();

    @Test
    void randomSlicesAreTheOneRankModelsOfTheSeed() {
        assertSlicesOfWhole(GQA, 2);
        assertSlicesOfWhole(TIED, 4);
    }

    @Test
    void eachRankHoldsWholeHeadsAndNormsWhole() {
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(GQA, F32, 1, true, new LayoutOnlyGroup(1, 2))) {
            Map<String, Tensor> p = m.namedParameters();
            String a = "model.layers.0.self_attn.";
            assertArrayEquals(new long[] {16, 32}, Tensors.shape(p.get(a + "q_proj.weight"))); // 2 of 4 heads
            assertArrayEquals(new long[] {8, 32}, Tensors.shape(p.get(a + "k_proj.weight"))); // 1 of 2 kv heads
            assertArrayEquals(new long[] {8}, Tensors.shape(p.get(a + "v_proj.bias")));
            assertArrayEquals(new long[] {32, 16}, Tensors.shape(p.get(a + "o_proj.weight")));
            assertArrayEquals(new long[] {32, 32}, Tensors.shape(p.get("model.layers.0.mlp.down_proj.weight")));
            assertArrayEquals(new long[] {130, 32}, Tensors.shape(p.get(LlamaModel.EMBED))); // rows 129..258
            assertEquals(129, m.slice("lm_head.weight").from());
            assertArrayEquals(new long[] {32}, Tensors.shape(p.get("model.layers.0.input_layernorm.weight")));
            assertTrue(m.replicated("model.norm.weight"));
            assertTrue(!m.replicated("model.layers.1.mlp.up_proj.weight"));
        }
    }

    @Test
    void loadingReadsEachRanksSlicesOfTheCheckpoint(@TempDir Path dir) {
        try (PointerScope scope = new PointerScope(); LlamaModel whole = LlamaModel.create(GQA, F32, 8)) {
            HfCheckpoint.save(dir, whole.namedParameters(), 16 << 10); // several shards
            try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
                for (int rank = 0; rank < 2; rank++) {
                    try (LlamaModel part = LlamaModel.load(GQA, F32, ckpt, new LayoutOnlyGroup(rank, 2))) {
                        assertIsSliceOf(whole, part);
                    }
                }
            }
        }
    }

    @Test
    void aCheckpointOfAnotherShapeIsRefusedBeforeItsSliceIsRead(@TempDir Path dir) {
        LlamaConfig wider = LlamaConfig.builder(260, 32, 64, 2, 4, 2).maxPositions(128).attentionBias(true).build();
        try (PointerScope scope = new PointerScope(); LlamaModel whole = LlamaModel.create(GQA, F32, 8)) {
            HfCheckpoint.save(dir, whole.namedParameters(), 1L << 30);
            try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> LlamaModel.load(wider, F32, ckpt, new LayoutOnlyGroup(0, 2)));
                assertTrue(e.getMessage().contains("'model.embed_tokens.weight' has shape [259, 32] but the config "
                        + "needs [260, 32]"), e.getMessage());
            }
        }
    }

    @Test
    void headsThatDoNotSplitOverTheRanksAreRefusedNamingBothCounts() {
        LlamaConfig sixHeads = LlamaConfig.of(259, 48, 64, 1, 6, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaModel.create(sixHeads, F32, 1, true, new LayoutOnlyGroup(0, 2)));
        assertTrue(e.getMessage().contains("num_attention_heads (6) and num_key_value_heads (3) must both be "
                + "multiples of 2"), e.getMessage());
        IllegalArgumentException kv = assertThrows(IllegalArgumentException.class,
                () -> LlamaModel.create(GQA, F32, 1, true, new LayoutOnlyGroup(0, 4)));
        assertTrue(kv.getMessage().contains("num_key_value_heads (2)"), kv.getMessage());
    }

    @Test
    void anMlpWidthThatDoesNotSplitIsRefused() {
        LlamaConfig odd = LlamaConfig.of(259, 32, 66, 1, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaModel.create(odd, F32, 1, true, new LayoutOnlyGroup(0, 4)));
        assertTrue(e.getMessage().contains("intermediate_size (66) must be a multiple of 4"), e.getMessage());
    }

    private static void assertSlicesOfWhole(LlamaConfig config, int ranks) {
        try (PointerScope scope = new PointerScope(); LlamaModel whole = LlamaModel.create(config, F32, 5)) {
            for (int rank = 0; rank < ranks; rank++) {
                try (LlamaModel part = LlamaModel.create(config, F32, 5, true, new LayoutOnlyGroup(rank, ranks))) {
                    assertIsSliceOf(whole, part);
                }
            }
        }
    }

    /** Every parameter of {@code part} is, bit for bit, its slice of the same parameter of {@code whole}. */
    private static void assertIsSliceOf(LlamaModel whole, LlamaModel part) {
        assertEquals(whole.namedParameters().keySet(), part.namedParameters().keySet());
        for (Map.Entry<String, Tensor> e : part.namedParameters().entrySet()) {
            Slice slice = part.slice(e.getKey());
            Tensor expected = slice.view(whole.namedParameters().get(e.getKey()));
            assertArrayEquals(Tensors.shape(expected), Tensors.shape(e.getValue()), e.getKey());
            assertArrayEquals(Tensors.toBytes(expected), Tensors.toBytes(e.getValue()), e.getKey() + " " + slice);
        }
    }
}
