package org.lomospark.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.data.SyntheticSequences;
import org.lomospark.trainer.dist.Distributed;
import org.lomospark.trainer.dist.Group;
import org.lomospark.trainer.dist.Mesh;
import org.lomospark.trainer.engine.BlockRecompute;
import org.lomospark.trainer.engine.FusedStep;
import org.lomospark.trainer.engine.StepResult;
import org.lomospark.trainer.engine.TrainLoop;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.AdaLomo;
import org.lomospark.trainer.optim.LrSchedule;
import org.lomospark.trainer.tensor.Placement;

/** Checkpoints of a data-parallel run (two ranks as threads, Gloo on loopback) in a store, committed by manifest. */
class ShardedCheckpointsTest {
    private static final LlamaConfig TINY = LlamaConfig.preset("tiny");
    private static final Placement F32 = Placement.cpu(ScalarType.Float);
    private static final LrSchedule SCHEDULE = new LrSchedule.WarmupLinear(1e-2, 2, 8, 0);

    @TempDir
    Path dir;

    /** Runs both ranks to {@code stopAt}, checkpointing every 2 steps into {@code store}; rank 0's model file. */
    private List<Double> runBoth(Path store, long stopAt, int keepLast, Path weightsOut) throws Exception {
        return runBoth(store, stopAt, keepLast, weightsOut, Long.MAX_VALUE);
    }

    /** The same, with every rank's data source throwing when asked for batch {@code failAt}. */
    private List<Double> runBoth(Path store, long stopAt, int keepLast, Path weightsOut, long failAt)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Distributed.Server server = Distributed.listen("127.0.0.1")) {
            List<Future<List<Double>>> ranks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int rank = r;
                ranks.add(pool.submit(() -> {
                    Mesh mesh = new Mesh(2, 1, rank);
                    try (PointerScope scope = new PointerScope();
                            Distributed d = Distributed.join(server.address(), mesh, "127.0.0.1",
                                    Duration.ofSeconds(60));
                            LlamaModel m = LlamaModel.create(TINY, F32, 1 + 100L * rank); // a restore must overwrite
                            AdaLomo opt = AdaLomo.defaults(0.01)) {
                        Checkpointer c = new ShardedCheckpoints(new LocalCheckpointStore(store), mesh, d.world(),
                                keepLast);
                        TrainLoop loop = new TrainLoop(m, new FusedStep(m, new BlockRecompute(false), opt, 1.0,
                                null, d.dp()), opt, null, failing(new SyntheticSequences(5 + rank, 2, 16,
                                TINY.vocabSize()), failAt), SCHEDULE, new TrainLoop.Plan(stopAt, 1, 100, 2, c, null), quiet());
                        List<Double> losses = loop.run().stream().map(StepResult::loss).toList();
                        if (rank == 0 && weightsOut != null) {
                            org.lomospark.trainer.io.SafetensorsWriter.write(weightsOut, m.namedParameters(),
                                    java.util.Map.of());
                        }
                        return losses;
                    }
                }));
            }
            List<Double> rank0 = ranks.get(0).get();
            assertEquals(rank0, ranks.get(1).get(), "both replicas see the same global loss");
            return rank0;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRunResumedFromItsLastCommitEndsBitForBitAsAnUninterruptedOne() throws Exception {
        Path straight = dir.resolve("straight.safetensors");
        List<Double> all = runBoth(dir.resolve("a"), 8, 3, straight);

        Path store = dir.resolve("b");
        java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> runBoth(store, 8, 3, null, 5)); // the task dies in step 6, after the commit of step 4
        assertTrue(failed.getCause().getMessage().contains("executor lost"), failed::getMessage);
        // a save that died mid-way at step 6: files of one rank, no manifest
        Files.createDirectories(store.resolve("step-00000006/rank-00000"));
        Files.writeString(store.resolve("step-00000006/rank-00000/state.json"), "{\"step\": 6");
        Path resumed = dir.resolve("resumed.safetensors");
        List<Double> rest = runBoth(store, 8, 3, resumed);

        assertEquals(List.of(all.get(4), all.get(5), all.get(6), all.get(7)), rest,
                "the retry trains steps 5 to 8 from the step-4 commit: none lost, none twice");
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(straight), Files.readAllBytes(resumed)),
                "final weights bit for bit");
        assertEquals(List.of("step-00000004", "step-00000006", "step-00000008"), children(store),
                "three kept; the interrupted step 6 replaced by the real one");
        assertTrue(Files.exists(store.resolve("step-00000008/manifest.json")));
        assertTrue(Files.exists(store.resolve("step-00000008/rank-00001/files.json")));
    }

    @Test
    void onlyTheNewestCheckpointsAreKept() throws Exception {
        Path store = dir.resolve("keep");
        runBoth(store, 6, 2, null);
        assertEquals(List.of("step-00000004", "step-00000006"), children(store));
    }

    @Test
    void aDamagedFileOrAnotherLayoutIsRefusedByName() throws Exception {
        Path store = dir.resolve("one");
        Mesh single = new Mesh(1, 1, 0);
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, F32, 1);
                AdaLomo opt = AdaLomo.defaults(0.01)) {
            ShardedCheckpoints c = new ShardedCheckpoints(new LocalCheckpointStore(store), single, Group.single(), 1);
            new TrainLoop(m, new FusedStep(m, new BlockRecompute(false), opt, 0, null), opt, null,
                    new SyntheticSequences(5, 2, 16, TINY.vocabSize()), SCHEDULE,
                    new TrainLoop.Plan(2, 1, 100, 2, c, null), quiet()).run();
            assertEquals(2L, c.latestStep().orElseThrow());

            ShardedCheckpoints twoRanks = new ShardedCheckpoints(new LocalCheckpointStore(store), new Mesh(1, 2, 0),
                    new TwoOfUs(), 1);
            IOException layout = assertThrows(IOException.class, () -> twoRanks.restoreLatest(m, opt));
            assertTrue(layout.getMessage().contains("was written by dp 1 x tp 1; this run is dp 1 x tp 2"),
                    layout::getMessage);

            Path state = store.resolve("step-00000002/rank-00000/state.json");
            Files.writeString(state, Files.readString(state).replace("\"step\"", "\"stop\""));
            IOException damaged = assertThrows(IOException.class, () -> c.restoreLatest(m, opt));
            assertTrue(damaged.getMessage().startsWith(state.toString() + ": SHA-256 "), damaged::getMessage);
            assertTrue(damaged.getMessage().endsWith("the checkpoint is damaged"), damaged::getMessage);
        }
    }

    /** A group of two that is never asked to communicate: the layout check comes first. */
    private static final class TwoOfUs implements Group {
        public int rank() {
            return 0;
        }

        public int size() {
            return 2;
        }

        public void allReduceSum(org.bytedeco.pytorch.Tensor t) {
            throw new UnsupportedOperationException();
        }

        public void allReduceMax(org.bytedeco.pytorch.Tensor t) {
            throw new UnsupportedOperationException();
        }

        public void broadcast(org.bytedeco.pytorch.Tensor t, int root) {
            throw new UnsupportedOperationException();
        }

        public void barrier() {
            throw new UnsupportedOperationException();
        }

        public void close() {}
    }

    private static org.lomospark.trainer.data.TokenSource failing(org.lomospark.trainer.data.TokenSource inner,
                                                                long failAt) {
        return new org.lomospark.trainer.data.TokenSource() {
            public org.lomospark.trainer.data.Batch batch(long index) {
                if (index == failAt) {
                    throw new IllegalStateException("executor lost while reading batch " + index);
                }
                return inner.batch(index);
            }

            public String describe() {
                return inner.describe();
            }
        };
    }

    private static List<String> children(Path store) throws IOException {
        try (var s = Files.list(store)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
