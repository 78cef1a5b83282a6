package org.lomospark.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.checkpoint.TrainingState;
import org.lomospark.trainer.data.SyntheticSequences;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.optim.AdaLomo;
import org.lomospark.trainer.optim.DynamicLossScaler;
import org.lomospark.trainer.optim.Lomo;
import org.lomospark.trainer.optim.LrSchedule;
import org.lomospark.trainer.tensor.Placement;

class TrainLoopTest {
    private static final LlamaConfig TINY = LlamaConfig.preset("tiny");
    private static final LrSchedule SCHEDULE = new LrSchedule.WarmupLinear(1e-2, 2, 8, 0);

    @TempDir
    Path dir;

    @Test
    void resumedRunEndsBitForBitEqualToAnUninterruptedOne() throws Exception {
        Path runDir = dir.resolve("run");
        try (PointerScope scope = new PointerScope();
                LlamaModel straight = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1);
                LlamaModel resumed = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 99)) {
            List<StepResult> all = run(straight, 8, null);
            try (LlamaModel interrupted = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1)) {
                run(interrupted, 5, runDir); // stops ("crashes") after its checkpoint at step 5
            }
            assertTrue(Files.isRegularFile(runDir.resolve("step-00000005/state.json")));
            List<StepResult> rest = run(resumed, 8, runDir); // a new process would start here, weights random
            assertEquals(3, rest.size(), "resumes at step 6");
            assertTrue(Reference.identical(straight, resumed), "resumed weights differ from the uninterrupted run");
            assertEquals(all.get(7).loss(), rest.get(2).loss(), 0.0);
            List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
            assertEquals(8, metrics.size(), "one metrics line per step across the interruption");
            assertTrue(metrics.get(7).startsWith("{\"step\":8,"), metrics.get(7));
        }
    }

    @Test
    void aRunKilledPastItsCheckpointLeavesEachStepInTheMetricsOnce() throws Exception {
        Path runDir = dir.resolve("killed");
        Path metrics = dir.resolve("killed.jsonl");
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1);
                Lomo lomo = new Lomo(0, 0)) {
            TrainLoop first = lomoLoop(m, lomo, 8, runDir, metrics).onStep(line -> {
                if (line.startsWith("{\"step\":5,")) {
                    throw new IllegalStateException("killed"); // after step 5's line, before any checkpoint of it
                }
            });
            assertEquals("killed", assertThrows(IllegalStateException.class, first::run).getMessage());
            assertEquals(5, Files.readAllLines(metrics).size(), "steps 1-5 logged, step 4 the newest checkpoint");
            List<StepResult> rest = lomoLoop(m, lomo, 8, runDir, metrics).run();
            assertEquals(4, rest.size(), "resumes at step 5");
        }
        List<String> lines = Files.readAllLines(metrics);
        List<Long> steps = lines.stream().map(l -> Long.parseLong(l.replaceAll("^\\{\"step\":(\\d+),.*", "$1")))
                .toList();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps);
    }

    /** LOMO on the synthetic task, checkpoints every 2 steps in {@code runDir}. */
    private static TrainLoop lomoLoop(LlamaModel m, Lomo lomo, long steps, Path runDir, Path metrics) {
        return new TrainLoop(m, new FusedStep(m, new HookBackward(), lomo, 1.0, null), lomo, null,
                new SyntheticSequences(3, 2, 16, TINY.vocabSize()), new LrSchedule.Constant(0.1),
                TrainLoop.Plan.local(steps, 1, 100, 2, runDir, metrics), quiet());
    }

    @Test
    void interruptedCheckpointWriteLeavesThePreviousOneNewest() throws Exception {
        Path runDir = dir.resolve("run2");
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1)) {
            run(m, 3, runDir);
            Files.createDirectories(runDir.resolve(".step-00000004.tmp-123")); // a writer that died mid-way
            Files.createDirectories(runDir.resolve("step-00000009")); // no state.json: never completed
            assertEquals(runDir.resolve("step-00000003"), TrainingState.latest(runDir).orElseThrow());
        }
    }

    @Test
    void validationRunsEveryNStepsAndAtTheLastAfterTheUpdate() throws Exception {
        Path metrics = dir.resolve("val.jsonl");
        List<Long> calledAfter = new java.util.ArrayList<>();
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1);
                Lomo lomo = new Lomo(0, 0)) {
            TrainLoop loop = new TrainLoop(m, new FusedStep(m, new HookBackward(), lomo, 1.0, null), lomo, null,
                    new SyntheticSequences(3, 4, 16, TINY.vocabSize()), new LrSchedule.Constant(0.1),
                    TrainLoop.Plan.local(5, 1, 100, 0, null, metrics), quiet());
            List<StepResult> ran = loop.validate(new Validation() {
                @Override
                public int every() {
                    return 2;
                }

                @Override
                public double loss(LlamaModel model) {
                    calledAfter.add((long) calledAfter.size());
                    return 10.0 + calledAfter.size();
                }
            }).run();
            assertEquals(5, ran.size());
        }
        List<String> lines = Files.readAllLines(metrics);
        assertEquals(3, calledAfter.size(), "steps 2, 4 and the last, 5");
        for (int step = 1; step <= 5; step++) {
            String line = lines.get(step - 1);
            int k = step == 2 ? 1 : step == 4 ? 2 : step == 5 ? 3 : 0;
            assertEquals(k > 0, line.contains("\"val_loss\":"), line);
            if (k > 0) {
                assertTrue(line.contains(String.format(java.util.Locale.ROOT, "\"val_loss\":%.6f", 10.0 + k)), line);
            }
        }
    }

    @Test
    void lossFallsWithLomoOnTheSyntheticTask() throws Exception {
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1);
                Lomo lomo = new Lomo(0, 0)) {
            TrainLoop loop = new TrainLoop(m, new FusedStep(m, new HookBackward(), lomo, 1.0, null), lomo, null,
                    new SyntheticSequences(3, 8, 32, TINY.vocabSize()), new LrSchedule.Constant(0.5),
                    TrainLoop.Plan.local(40, 1, 10, 0, null, null), quiet());
            List<StepResult> r = loop.run();
            assertTrue(r.get(39).loss() < r.get(0).loss() - 0.5, "loss " + r.get(0).loss() + " -> " + r.get(39).loss());
        }
    }

    @Test
    void fp16LossScalerSkipsOverflowingStepsAndGrowsBackAfterACleanWindow() throws Exception {
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, Placement.cpu(ScalarType.Half), 1);
                LlamaModel initial = LlamaModel.create(TINY, Placement.cpu(ScalarType.Half), 1);
                Lomo lomo = new Lomo(0, 0)) {
            DynamicLossScaler scaler = new DynamicLossScaler(Math.pow(2, 40), 2, 3, 1);
            FusedStep step = new FusedStep(m, new BlockRecompute(false), lomo, 0, scaler);
            SyntheticSequences data = new SyntheticSequences(3, 2, 16, TINY.vocabSize());
            StepResult first = step.step(List.of(data.batch(0)), 1, 1e-2);
            assertTrue(first.skipped(), "2^40 overflows fp16 gradients");
            assertTrue(Reference.identical(m, initial), "a skipped step must not touch the weights");
            assertEquals(Math.pow(2, 39), scaler.scale());
            int skipped = 1;
            long s = 2;
            while (step.step(List.of(data.batch(s)), s++, 1e-2).skipped()) {
                skipped++;
            }
            double settled = scaler.scale();
            assertEquals(Math.pow(2, 40 - skipped), settled, "each skipped step halves the scale once");
            assertFalse(Reference.identical(m, initial), "a clean step updates");
            for (int i = 0; i < 2; i++) {
                assertFalse(step.step(List.of(data.batch(s)), s++, 1e-2).skipped());
            }
            assertEquals(settled * 2, scaler.scale(), "after a window of 3 clean steps the scale doubles");
        }
    }

    private List<StepResult> run(LlamaModel m, long stopAt, Path runDir) throws Exception {
        try (AdaLomo opt = AdaLomo.defaults(0.01)) {
            TrainLoop loop = new TrainLoop(m, new FusedStep(m, new BlockRecompute(false), opt, 1.0, null), opt, null,
                    new SyntheticSequences(5, 2, 16, TINY.vocabSize()), SCHEDULE,
                    TrainLoop.Plan.local(stopAt, 2, 100, 0, runDir, runDir == null ? null : runDir.resolveSibling("metrics.jsonl")), quiet());
            return loop.run();
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
