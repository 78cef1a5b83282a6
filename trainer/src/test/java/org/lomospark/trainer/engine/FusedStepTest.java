package org.lomospark.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.data.SyntheticSequences;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

class FusedStepTest {
    private static final Placement F32 = Placement.cpu(ScalarType.Float);
    private static final double LR = 0.5; // large, so a wrong update order or a missed gradient shows
    /** Untied, grouped-query attention with q/k/v biases: every parameter kind the model has. */
    private static final LlamaConfig GQA = LlamaConfig.builder(259, 32, 64, 3, 4, 2).maxPositions(128)
            .attentionBias(true).build();
    private static final LlamaConfig TIED = LlamaConfig.builder(259, 32, 64, 2, 4, 4).maxPositions(128)
            .tieWordEmbeddings(true).build();

    @Test
    void blockRecomputeLomoMatchesFullBackwardThenSgd() {
        assertMatchesReference(GQA, new BlockRecompute(false), 0, batches(4, 16, 1));
    }

    @Test
    void hookLomoMatchesFullBackwardThenSgd() {
        assertMatchesReference(GQA, new HookBackward(), 0, batches(4, 16, 1));
    }

    @Test
    void tiedEmbeddingGetsBothGradientsInEitherStrategy() {
        assertMatchesReference(TIED, new BlockRecompute(false), 0, batches(2, 12, 1));
        assertMatchesReference(TIED, new HookBackward(), 0, batches(2, 12, 1));
    }

    @Test
    void paddedBatchesMatchTheReference() {
        assertMatchesReference(GQA, new BlockRecompute(false), 0, List.of(padded()));
        assertMatchesReference(GQA, new HookBackward(), 0, List.of(padded()));
    }

    @Test
    void twoPassNormClippingEqualsGlobalNormClippingThenSgd() {
        assertMatchesReference(GQA, new BlockRecompute(false), 0.05, batches(4, 16, 1));
        assertMatchesReference(GQA, new HookBackward(), 0.05, batches(4, 16, 1));
    }

    @Test
    void accumulatingMicroBatchesEqualsOneBatchThatManyTimesLarger() {
        try (PointerScope scope = new PointerScope();
                LlamaModel accumulated = LlamaModel.create(GQA, F32, 3);
                LlamaModel whole = LlamaModel.create(GQA, F32, 3);
                Lomo lomo = new Lomo(0, 0)) {
            List<Batch> small = batches(2, 16, 3); // three micro-batches of 2 rows
            Batch big = new Batch(torchCat(small, 0), torchCat(small, 1), null, 6 * 16);
            FusedStep accumulating = new FusedStep(accumulated, new BlockRecompute(false), lomo, 0, null);
            FusedStep single = new FusedStep(whole, new BlockRecompute(false), lomo, 0, null);
            for (int step = 1; step <= 2; step++) {
                StepResult a = accumulating.step(small, step, LR);
                StepResult b = single.step(List.of(big), step, LR);
                assertEquals(b.loss(), a.loss(), 1e-6);
            }
            assertTrue(Reference.relativeDifference(accumulated, whole) < 1e-6,
                    "accumulated " + Reference.relativeDifference(accumulated, whole));
        }
    }

    @Test
    void hookStrategyRefusesGradientAccumulation() {
        try (PointerScope scope = new PointerScope(); LlamaModel m = LlamaModel.create(GQA, F32, 3); Lomo lomo = new Lomo(0, 0)) {
            FusedStep step = new FusedStep(m, new HookBackward(), lomo, 0, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> step.step(batches(2, 8, 2), 1, LR));
            assertTrue(e.getMessage().contains("strategy block"), e.getMessage());
        }
    }

    @Test
    void offloadingIsRefusedForTheHookStrategy() {
        // Parking block inputs in pinned host memory is a CUDA path (checked bit for bit on the GPU by
        // bench/gpu-bench.sh); on the CPU the inputs are in host memory already.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Strategy.parse("hook", true, null));
        assertTrue(e.getMessage().contains("strategy block"), e.getMessage());
    }

    @Test
    void bf16TrainsWithoutAScalerAndBothStrategiesAgree() {
        Placement bf16 = Placement.cpu(ScalarType.BFloat16);
        try (PointerScope scope = new PointerScope();
                LlamaModel block = LlamaModel.create(GQA, bf16, 4);
                LlamaModel hook = LlamaModel.create(GQA, bf16, 4);
                LlamaModel initial = LlamaModel.create(GQA, bf16, 4);
                org.lomospark.trainer.optim.AdaLomo a = org.lomospark.trainer.optim.AdaLomo.defaults(0);
                org.lomospark.trainer.optim.AdaLomo b = org.lomospark.trainer.optim.AdaLomo.defaults(0)) {
            FusedStep s1 = new FusedStep(block, new BlockRecompute(false), a, 0, null);
            FusedStep s2 = new FusedStep(hook, new HookBackward(), b, 0, null);
            for (int step = 1; step <= 2; step++) {
                StepResult r1 = s1.step(batches(2, 16, 1), step, 1e-2);
                StepResult r2 = s2.step(batches(2, 16, 1), step, 1e-2);
                assertTrue(Double.isFinite(r1.loss()) && !r1.skipped());
                assertEquals(r1.loss(), r2.loss(), 2e-2, "bf16 losses");
            }
            assertTrue(Reference.relativeDifference(block, hook) < 2e-2, "bf16 strategies differ by "
                    + Reference.relativeDifference(block, hook));
            assertTrue(Reference.relativeDifference(initial, block) > 1e-3, "bf16 weights did not change");
        }
    }

    private static void assertMatchesReference(LlamaConfig config, Strategy strategy, double maxNorm, List<Batch> data) {
        try (PointerScope scope = new PointerScope();
                LlamaModel fused = LlamaModel.create(config, F32, 11);
                LlamaModel reference = LlamaModel.create(config, F32, 11);
                LlamaModel initial = LlamaModel.create(config, F32, 11);
                Lomo lomo = new Lomo(0, 0)) {
            FusedStep step = new FusedStep(fused, strategy, lomo, maxNorm, null);
            for (int s = 1; s <= 3; s++) {
                StepResult r = step.step(data, s, LR);
                double refLoss = Reference.sgdStep(reference, data, LR, maxNorm);
                assertEquals(refLoss, r.loss(), 1e-5, "loss at step " + s);
                assertFalse(r.skipped());
            }
            double diff = Reference.relativeDifference(fused, reference);
            assertTrue(diff < 1e-6, strategy.name() + " differs from full backward + SGD by " + diff);
            assertTrue(Reference.relativeDifference(initial, reference) > 1e-3, "the reference did not train");
        }
    }

    static List<Batch> batches(int rows, int seq, int count) {
        SyntheticSequences s = new SyntheticSequences(7, rows, seq, 259);
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(s.batch(i));
        }
        return out;
    }

    /** Two rows, the second right-padded: its last 5 positions are padding with no loss. */
    private static Batch padded() {
        Batch b = new SyntheticSequences(9, 2, 12, 259).batch(0);
        long[] mask = new long[24];
        long[] targets = new long[24];
        float[] t = Tensors.toFloats(b.targets());
        for (int i = 0; i < 24; i++) {
            boolean pad = i >= 12 + 7;
            mask[i] = pad ? 0 : 1;
            targets[i] = pad ? -100 : (long) t[i];
        }
        return new Batch(b.inputIds(), Tensors.fromLongs(targets, 2, 12), Tensors.fromLongs(mask, 2, 12), 24 - 5);
    }

    private static org.bytedeco.pytorch.Tensor torchCat(List<Batch> parts, int which) {
        org.bytedeco.pytorch.TensorVector v = new org.bytedeco.pytorch.TensorVector();
        for (Batch b : parts) {
            v.push_back(which == 0 ? b.inputIds() : b.targets());
        }
        return org.bytedeco.pytorch.global.torch.cat(v, 0);
    }
}
