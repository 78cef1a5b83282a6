package org.lomospark.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.tensor.Placement;

/**
 * Data parallelism over Gloo, two ranks as two threads of this JVM on loopback: each rank trains its own replica
 * on its half of the rows, and both end where one replica trained on all the rows ends.
 */
class DataParallelTest {
    private static final Placement F32 = Placement.cpu(torch.ScalarType.Float);
    private static final LlamaConfig GQA = LlamaConfig.builder(259, 32, 64, 3, 4, 2).maxPositions(128)
            .attentionBias(true).build();
    private static final double LR = 0.05;
    private static final int STEPS = 3;

    @Test
    void twoBlockRanksOnHalfTheRowsEqualOneRankOnAllOfThem() throws Exception {
        assertDataParallelMatchesOneRank(() -> new BlockRecompute(false), whole(4, 16));
    }

    @Test
    void twoHookRanksOnHalfTheRowsEqualOneRankOnAllOfThem() throws Exception {
        assertDataParallelMatchesOneRank(HookBackward::new, whole(4, 16));
    }

    @Test
    void ranksWithDifferentTokenCountsNormalizeByTheTotal() throws Exception {
        // row 0 has 16 target tokens, row 1 only 6: the loss is over all 22, not the mean of two means
        Batch b = FusedStepTest.batches(2, 16, 1).get(0);
        long[] targets = new long[32];
        float[] t = org.lomospark.trainer.tensor.Tensors.toFloats(b.targets());
        for (int i = 0; i < 32; i++) {
            targets[i] = i >= 16 + 6 ? -100 : (long) t[i];
        }
        Batch uneven = new Batch(b.inputIds(), org.lomospark.trainer.tensor.Tensors.fromLongs(targets, 2, 16), null,
                22);
        assertDataParallelMatchesOneRank(() -> new BlockRecompute(false), uneven);
    }

    @Test
    void replicasBuiltOnSeveralThreadsAtOnceAreTheSeedsModel() throws Exception {
        // ranks of one JVM (local Spark) build their replicas at the same time: no shared random stream
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (PointerScope scope = new PointerScope(); LlamaModel alone = LlamaModel.create(GQA, F32, 5)) {
            List<Future<Double>> diffs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                diffs.add(pool.submit(() -> {
                    try (PointerScope s = new PointerScope(); LlamaModel m = LlamaModel.create(GQA, F32, 5)) {
                        return Reference.relativeDifference(m, alone);
                    }
                }));
            }
            for (Future<Double> d : diffs) {
                assertEquals(0.0, d.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Batch whole(int rows, int seq) {
        return FusedStepTest.batches(rows, seq, 1).get(0);
    }

    /** Rows {@code [from, from + n)} of {@code b}, their target tokens counted. */
    static Batch rows(Batch b, int from, int n) {
        Tensor ids = b.inputIds().narrow(0, from, n).contiguous();
        Tensor targets = b.targets().narrow(0, from, n).contiguous();
        long tokens = targets.ne(new Scalar(-100L)).sum().item_long();
        return new Batch(ids, targets, null, tokens);
    }

    private static void assertDataParallelMatchesOneRank(Supplier<Strategy> strategy, Batch all) throws Exception {
        int half = (int) all.size() / 2;
        List<Double> oneRankLosses = new ArrayList<>();
        try (PointerScope scope = new PointerScope();
                LlamaModel one = LlamaModel.create(GQA, F32, 3);
                Lomo lomo = new Lomo(0, 0)) {
            FusedStep step = new FusedStep(one, strategy.get(), lomo, 0, null);
            for (int s = 1; s <= STEPS; s++) {
                oneRankLosses.add(step.step(List.of(all), s, LR).loss());
            }

            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (Distributed.Server server = Distributed.listen("127.0.0.1")) {
                List<Future<List<Object>>> ranks = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    int rank = r;
                    Batch mine = rows(all, rank * half, half);
                    ranks.add(pool.submit(() -> {
                        try (PointerScope rankScope = new PointerScope();
                                Distributed d = Distributed.join(server.address(), new Mesh(2, 1, rank), "127.0.0.1",
                                        Duration.ofSeconds(60));
                                LlamaModel replica = LlamaModel.create(GQA, F32, 3);
                                Lomo rankLomo = new Lomo(0, 0)) {
                            FusedStep dp = new FusedStep(replica, strategy.get(), rankLomo, 0, null, d.dp());
                            List<Double> losses = new ArrayList<>();
                            for (int s = 1; s <= STEPS; s++) {
                                losses.add(dp.step(List.of(mine), s, LR).loss());
                            }
                            return List.of(losses, Reference.relativeDifference(replica, one));
                        }
                    }));
                }
                for (Future<List<Object>> f : ranks) {
                    List<Object> result = f.get();
                    @SuppressWarnings("unchecked")
                    List<Double> losses = (List<Double>) result.get(0);
                    for (int s = 0; s < STEPS; s++) {
                        assertEquals(oneRankLosses.get(s), losses.get(s), 1e-6, "loss at step " + (s + 1));
                    }
                    double diff = (Double) result.get(1);
                    assertTrue(diff < 1e-6, "replica differs from one rank on all rows by " + diff);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
