package org.lomospark.trainer.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVMs that start together on an empty JavaCPP cache all load libtorch. Without {@link TorchLoader}'s lock, four
 * such JVMs on the 2-core development machine lost one to three of their number to SIGBUS in 4 of 6 tries.
 */
class TorchLoaderTest {
    private static final int JVMS = 4;

    /** A child JVM: loads libtorch through the loader and computes with it. */
    public static final class Child {
        public static void main(String[] args) {
            TorchLoader.load(false);
            System.out.println("sum " + torch.ones(2, 2).sum().item_float());
        }
    }

    @Test
    void testsUnpackTheNativesInsideTheBuildDirectoryNotTheHomeDirectory() throws Exception {
        TorchLoader.load(false);
        Path cache = org.bytedeco.javacpp.Loader.getCacheDir().toPath().toRealPath();
        assertFalse(cache.startsWith(Path.of(System.getProperty("user.home"), ".javacpp").toAbsolutePath()),
                cache.toString());
        assertTrue(cache.toString().contains("/target/"), cache.toString());
    }

    @Test
    void jvmsStartingTogetherOnAnEmptyCacheAllLoadLibtorch(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 3; round++) {
            Path cache = dir.resolve("cache-" + round); // empty: every JVM finds the natives still to unpack
            List<Process> children = new ArrayList<>();
            for (int i = 0; i < JVMS; i++) {
                children.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                        Child.class.getName()).redirectErrorStream(true).start());
            }
            for (int i = 0; i < JVMS; i++) {
                Process p = children.get(i);
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(120, TimeUnit.SECONDS);
                assertEquals(0, p.exitValue(), "round " + round + ", JVM " + i + ":\n" + output);
                assertEquals("sum 4.0", output.strip().lines().reduce((a, b) -> b).orElse(""),
                        "round " + round + ", JVM " + i + ":\n" + output);
            }
        }
    }
}
