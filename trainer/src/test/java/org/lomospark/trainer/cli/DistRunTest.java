package org.lomospark.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lomo-trainer dist} on the CPU (Gloo): tp 2 and dp 2 train the same model as one rank on the same batch. */
class DistRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tensorAndDataParallelLayoutsGiveOneRanksLosses() throws Exception {
        List<Double> one = losses(run("--tp", "1", "--dp", "1", "--batch", "4"));
        List<Double> tp = losses(run("--tp", "2", "--dp", "1", "--batch", "4"));
        List<Double> dp = losses(run("--tp", "1", "--dp", "2", "--batch", "2"));
        assertEquals(4, one.size());
        assertTrue(one.get(3) < one.get(0), "the loss falls: " + one);
        for (int i = 0; i < one.size(); i++) {
            assertEquals(one.get(i), tp.get(i), 1e-5, "tp 2 step " + (i + 1));
            assertEquals(one.get(i), dp.get(i), 1e-5, "dp 2 step " + (i + 1));
        }
    }

    @Test
    void theSummaryCountsTheGlobalBatchOverEveryRank() throws Exception {
        List<JsonNode> lines = run("--tp", "1", "--dp", "2", "--batch", "2");
        JsonNode summary = lines.get(lines.size() - 1);
        assertEquals(2, summary.get("dp").asInt());
        assertEquals(4, summary.get("batch").asInt(), "dp x batch rows per step");
        assertEquals(2, summary.get("peak_gib_per_rank").size());
        assertEquals(0, summary.get("gpus").asInt());
        assertTrue(summary.get("tgs").asDouble() > 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run("--device", "cuda:1"));
        assertTrue(e.getMessage().contains("device for dist (rank r takes cuda:r) is cpu or cuda"), e.getMessage());
    }

    private static List<JsonNode> run(String... layout) throws Exception {
        List<String> argv = new ArrayList<>(List.of("dist", "--device", "cpu", "--model", "tiny", "--seq", "16",
                "--steps", "4", "--warmup-steps", "1", "--lr", "0.3", "--warmup", "1"));
        argv.addAll(List.of(layout));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DistRun.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8));
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(JSON.readTree(l));
        }
        return lines;
    }

    private static List<Double> losses(List<JsonNode> lines) {
        return lines.stream().filter(n -> n.has("step")).map(n -> n.get("loss").asDouble()).toList();
    }
}
