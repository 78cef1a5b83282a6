package org.lomospark.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsFileTest {
    @TempDir
    Path dir;

    @Test
    void keepsTheStepsThroughTheGivenOneAndDropsALastLineTheKillCutShort() throws IOException {
        Path f = Files.write(dir.resolve("metrics.jsonl"), List.of("{\"step\":1,\"loss\":3.0}",
                "{\"step\":2,\"loss\":2.9}", "{\"step\":3,\"loss\":2.8}", "{\"step\":4,\"lo"));
        MetricsFile.keepThrough(f, 2);
        assertEquals(List.of("{\"step\":1,\"loss\":3.0}", "{\"step\":2,\"loss\":2.9}"), Files.readAllLines(f));
        MetricsFile.keepThrough(f, 0);
        assertEquals(List.of(), Files.readAllLines(f));
        MetricsFile.keepThrough(dir.resolve("absent.jsonl"), 3);
        assertFalse(Files.exists(dir.resolve("absent.jsonl")), "nothing to rewind, nothing created");
    }

    @Test
    void aLineWithoutAStepBeforeTheLastIsAnErrorNamingTheFileAndLine() throws IOException {
        Path f = Files.write(dir.resolve("metrics.jsonl"), List.of("{\"step\":1}", "{\"loss\":2.9}", "{\"step\":3}"));
        IOException e = assertThrows(IOException.class, () -> MetricsFile.keepThrough(f, 1));
        assertTrue(e.getMessage().startsWith(f + " line 2: no \"step\""), e.getMessage());
        assertEquals(3, Files.readAllLines(f).size(), "left as it was");
    }
}
