package org.lomospark.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lomo-trainer train} in this JVM. */
class TrainerCliTest {
    @TempDir
    Path dir;

    @Test
    void twoFreshRunsOfOneSeedRecordTheSameRngStateAndWeights() throws Exception {
        Path a = train("a", "7");
        try (PointerScope scope = new PointerScope()) {
            torch.randn(4); // other work of this JVM (an earlier run, a task before) draws from the global generator
        }
        Path b = train("b", "7");
        Path other = train("c", "8");
        assertArrayEquals(rng(a), rng(b), "the recorded CPU RNG state");
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(b.resolve("model.safetensors")), "the weights");
        assertFalse(Arrays.equals(rng(a), rng(other)), "another seed, another RNG state");
    }

    /** A short run into {@code dir/name}; its final checkpoint. */
    private Path train(String name, String seed) throws Exception {
        Path out = dir.resolve(name);
        TrainerCli.train(new Args(new String[] {"train", "--model", "tiny", "--steps", "2", "--seq", "16", "--batch",
                "2", "--seed", seed, "--out", out.toString()}, 1, Setup.defaults(false)), quiet());
        return out.resolve("step-00000002");
    }

    private static byte[] rng(Path checkpoint) throws IOException {
        return new ObjectMapper().readTree(checkpoint.resolve("state.json").toFile()).get("cpu_rng").binaryValue();
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
