package org.lomospark.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.model.LlamaConfig;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Placement;

/** {@link Checkpointer#directory}: checkpoints in a local run directory. */
class CheckpointerTest {
    private static final LlamaConfig TINY = LlamaConfig.preset("tiny");

    @TempDir
    Path runDir;

    @Test
    void aStartRemovesWhatASaveKilledMidwayLeftAndKeepsTheCheckpoints() throws Exception {
        try (PointerScope scope = new PointerScope();
                LlamaModel m = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 1);
                LlamaModel restored = LlamaModel.create(TINY, Placement.cpu(ScalarType.Float), 2)) {
            Checkpointer c = Checkpointer.directory(runDir);
            c.save(new TrainingState(2, 4, null), m, null);
            c.save(new TrainingState(4, 8, null), m, null);
            // a save of step 6 killed before its rename: weights written, no state.json, a nested directory
            Path orphan = Files.createTempDirectory(runDir, "." + TrainingState.dirName(6) + ".tmp-");
            Files.copy(runDir.resolve("step-00000004/model.safetensors"), orphan.resolve("model.safetensors"));
            Files.createDirectories(orphan.resolve("nested"));
            Files.writeString(orphan.resolve("nested/part"), "half");
            Path unrelated = Files.writeString(runDir.resolve(".notes.tmp-1"), "not a checkpoint's");

            TrainingState s = c.restoreLatest(restored, null).orElseThrow();

            assertFalse(Files.exists(orphan), "the interrupted save is removed");
            assertEquals(4, s.step());
            assertEquals(8, s.dataPosition());
            assertTrue(Files.isRegularFile(runDir.resolve("step-00000002/state.json")));
            assertTrue(Files.isRegularFile(runDir.resolve("step-00000004/model.safetensors")));
            assertTrue(Files.exists(unrelated), "only a checkpoint's temporary directories go");
        }
    }
}
