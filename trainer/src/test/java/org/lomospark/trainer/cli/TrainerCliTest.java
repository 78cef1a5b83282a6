package org.lomospark.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

    @Test
    void helpOnEveryCommandPrintsTheUsageAndExitsZero() throws Exception {
        for (String[] argv : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"help"},
                new String[] {"train", "--help"}, new String[] {"train", "--steps", "3", "-h"},
                new String[] {"dist", "--help"}, new String[] {"dist", "--dp", "2", "-h"})) {
            Exit e = run(argv);
            assertEquals(0, e.code(), String.join(" ", argv));
            assertTrue(e.out().startsWith("usage: lomo-trainer train"), e.out());
            assertTrue(e.out().contains("--steps"), e.out());
            assertEquals("", e.err(), String.join(" ", argv));
        }
    }

    @Test
    void anUnknownOptionOrCommandExitsTwoWithAMessage() throws Exception {
        Exit option = run("train", "--stepz", "3");
        assertEquals(2, option.code());
        assertTrue(option.err().startsWith("error: unknown option --stepz"), option.err());
        Exit command = run("frobnicate");
        assertEquals(2, command.code());
        assertTrue(command.err().startsWith("error: unknown command 'frobnicate'"), command.err());
        assertEquals(2, run().code(), "no command");
        Exit value = run("train", "--steps", "-h");
        assertEquals(2, value.code(), "-h as a value is a value");
        assertTrue(value.err().contains("--steps"), value.err());
    }

    private record Exit(int code, String out, String err) {}

    private static Exit run(String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TrainerCli.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Exit(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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
