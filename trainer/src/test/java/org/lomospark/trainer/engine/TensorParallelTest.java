package org.lomospark.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.LayoutOnlyGroup;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.optim.Sgd;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;

/**
 * Tensor parallelism over Gloo, ranks as threads of this JVM on loopback: the ranks of a tensor-parallel group,
 * each holding its slices, train to the weights (gathered from their slices) and losses of one rank holding the
 * whole model.
 */
class TensorParallelTest {
    private static final Placement F32 = Placement.cpu(torch.ScalarType.Float);
    /** Grouped-query attention (2 kv heads: one per rank), q/k/v biases, untied head; 259 = 129 + 130 vocab rows. */
    private static final LlamaConfig GQA = LlamaConfig.builder(259, 32, 64, 3, 4, 2).maxPositions(128)
            .attentionBias(true).build();
    private static final LlamaConfig TIED = LlamaConfig.builder(259, 32, 64, 2, 4, 4).maxPositions(128)
            .tieWordEmbeddings(true).build();
    /** Eight heads sharing four kv heads, for four ranks: two query heads and one kv head each. */
    private static final LlamaConfig GQA_FOUR = LlamaConfig.builder(259, 32, 64, 2, 8, 4).maxPositions(128)
            .attentionBias(true).build();
    private static final double LR = 0.5; // large, so a wrong update order or a missed gradient shows
    private static final int STEPS = 3;
    private static final double TOLERANCE = 1e-5;

    @Test
    void twoTensorParallelRanksEqualOneRank() throws Exception {
        assertMatchesOneRank(GQA, 1, 2, 0);
    }

    @Test
    void fourTensorParallelRanksEqualOneRank() throws Exception {
        assertMatchesOneRank(GQA_FOUR, 1, 4, 0);
    }

    @Test
    void tiedEmbeddingsSplitOverTwoRanksEqualOneRank() throws Exception {
        assertMatchesOneRank(TIED, 1, 2, 0);
    }

    @Test
    void twoDataByTwoTensorParallelRanksEqualOneRankOnTheCombinedBatch() throws Exception {
        assertMatchesOneRank(GQA, 2, 2, 0);
    }

    @Test
    void normClippingCountsEverySliceOnce() throws Exception {
        assertMatchesOneRank(GQA, 1, 2, 0.05); // well under the gradient norm: every step clips
    }

    @Test
    void tensorParallelRanksAccumulatingTwoMicroBatchesEqualOneRankOnTheirRows() throws Exception {
        assertMatchesOneRank(GQA, 1, 2, 0, 2);
    }

    @Test
    void aForwardWithoutGraphGivesTheOneRankLossOnEveryRank() throws Exception {
        // the evaluation path: no engine, the model's own all-reduces and the vocabulary-parallel loss
        Batch b = FusedStepTest.batches(2, 16, 1).get(0);
        try (PointerScope scope = new PointerScope(); LlamaModel one = LlamaModel.create(GQA, F32, 4)) {
            double expected = forwardLoss(one, b);
            List<Double> perRank = onRanks(1, 2, d -> {
                try (LlamaModel part = LlamaModel.create(GQA, F32, 4, true, d.tp())) {
                    return forwardLoss(part, b);
                }
            });
            assertEquals(perRank.get(0), perRank.get(1), 0.0, "ranks disagree");
            assertEquals(expected, perRank.get(0), 1e-5 * expected);
        }
    }

    private static double forwardLoss(LlamaModel m, Batch b) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            return m.head().lossSum(m.hidden(b.inputIds(), null), b.targets()).item().toDouble();
        }
    }

    @Test
    void strategiesWithoutRoomForTheAllReducesAreRefused() {
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(GQA, F32, 3, true, new LayoutOnlyGroup(0, 2));
                Lomo lomo = new Lomo(0, 0);
                Sgd sgd = new Sgd(0)) {
            IllegalArgumentException hook = assertThrows(IllegalArgumentException.class,
                    () -> new FusedStep(m, new HookBackward(), lomo, 0, null));
            assertTrue(hook.getMessage().contains("tensor parallelism (tp 2) needs strategy block, not hook"),
                    hook.getMessage());
            IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                    () -> new FullBackwardStep(m, sgd, 0));
            assertTrue(full.getMessage().contains("not tensor-parallel (tp 2)"), full.getMessage());
        }
    }

    /** What one rank saw: its losses and gradient norms per step, and how far its gathered weights are. */
    private record RankResult(List<Double> losses, List<Double> norms, double difference) {}

    /**
     * Trains one rank on four rows, then {@code dp x tp} ranks (each data-parallel group on its share of the rows),
     * {@link #STEPS} LOMO steps each from the same seed, and compares.
     */
    private static void assertMatchesOneRank(LlamaConfig config, int dp, int tp, double maxNorm) throws Exception {
        assertMatchesOneRank(config, dp, tp, maxNorm, 1);
    }

    /** ... with each rank's rows cut into {@code microBatches} accumulated micro-batches. */
    private static void assertMatchesOneRank(LlamaConfig config, int dp, int tp, double maxNorm, int microBatches)
            throws Exception {
        Batch all = FusedStepTest.batches(4, 16, 1).get(0);
        int rowsPerRank = (int) all.size() / dp;
        int rowsPerMicroBatch = rowsPerRank / microBatches;
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        try (PointerScope scope = new PointerScope();
                LlamaModel one = LlamaModel.create(config, F32, 3);
                Lomo lomo = new Lomo(0, 0)) {
            FusedStep step = new FusedStep(one, new BlockRecompute(false), lomo, maxNorm, null);
            for (int s = 1; s <= STEPS; s++) {
                StepResult r = step.step(List.of(all), s, LR);
                losses.add(r.loss());
                norms.add(r.gradNorm());
            }
            Map<String, Tensor> whole = one.namedParameters();

            List<RankResult> ranks = onRanks(dp, tp, d -> {
                List<Batch> mine = new ArrayList<>();
                for (int m = 0; m < microBatches; m++) {
                    int from = d.mesh().dpRank() * rowsPerRank + m * rowsPerMicroBatch;
                    mine.add(rowsPerMicroBatch == all.size() ? all : DataParallelTest.rows(all, from, rowsPerMicroBatch));
                }
                try (LlamaModel part = LlamaModel.create(config, F32, 3, true, d.tp());
                        Lomo rankLomo = new Lomo(0, 0)) {
                    FusedStep rankStep = new FusedStep(part, new BlockRecompute(false), rankLomo, maxNorm, null, d.dp());
                    List<Double> rankLosses = new ArrayList<>();
                    List<Double> rankNorms = new ArrayList<>();
                    for (int s = 1; s <= STEPS; s++) {
                        StepResult r = rankStep.step(mine, s, LR);
                        rankLosses.add(r.loss());
                        rankNorms.add(r.gradNorm());
                    }
                    Map<String, Tensor> gathered = part.gatherParameters();
                    try {
                        return new RankResult(rankLosses, rankNorms, Reference.relativeDifference(gathered, whole));
                    } finally {
                        Native.closeAll(gathered.values());
                    }
                }
            });

            double worstLoss = 0;
            double worstNorm = maxNorm > 0 ? 0 : Double.NaN; // norms are only taken to clip
            for (int rank = 0; rank < ranks.size(); rank++) {
                RankResult r = ranks.get(rank);
                assertEquals(ranks.get(0).losses, r.losses, "rank " + rank + " reports another loss than rank 0");
                for (int s = 0; s < STEPS; s++) {
                    assertEquals(losses.get(s), r.losses.get(s), TOLERANCE, "rank " + rank + " loss at step " + (s + 1));
                    worstLoss = Math.max(worstLoss, Math.abs(losses.get(s) - r.losses.get(s)));
                    if (maxNorm > 0) {
                        double relative = Math.abs(r.norms.get(s) - norms.get(s)) / norms.get(s);
                        assertTrue(relative < TOLERANCE, "rank " + rank + " gradient norm at step " + (s + 1) + ": "
                                + r.norms.get(s) + " vs " + norms.get(s));
                        assertTrue(maxNorm < norms.get(s), "step " + (s + 1) + " did not clip");
                        worstNorm = Math.max(worstNorm, relative);
                    }
                }
                assertTrue(r.difference < TOLERANCE, "rank " + rank + "'s gathered weights differ from one rank's by "
                        + r.difference);
            }
            System.out.printf("tensor parallel dp %d x tp %d, %d micro-batches, clip %s: max |loss - one rank's| %.2e, "
                    + "max relative norm difference %.2e, relative L2 of gathered weights %.2e%n", dp, tp,
                    microBatches, maxNorm, worstLoss, worstNorm,
                    ranks.stream().mapToDouble(RankResult::difference).max().orElse(0));
        }
    }

    /** One rank's work, given its place in the mesh. */
    @FunctionalInterface
    private interface RankWork<R> {
        R run(Distributed d) throws Exception;
    }

    /** Runs {@code work} on {@code dp x tp} ranks (threads joined over loopback); the results in rank order. */
    private static <R> List<R> onRanks(int dp, int tp, RankWork<R> work) throws Exception {
        int world = dp * tp;
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try (Distributed.Server server = Distributed.listen("127.0.0.1")) {
            List<Future<R>> futures = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                Mesh mesh = new Mesh(dp, tp, r);
                futures.add(pool.submit(() -> {
                    try (PointerScope rankScope = new PointerScope();
                            Distributed d = Distributed.join(server.address(), mesh, "127.0.0.1", Duration.ofSeconds(60))) {
                        return work.run(d);
                    }
                }));
            }
            List<R> results = new ArrayList<>();
            for (Future<R> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
