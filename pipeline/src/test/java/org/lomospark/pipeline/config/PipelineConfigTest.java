package org.lomospark.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.superglue.SuperGlueTask;

/** HOCON settings: defaults, files and overrides in order, typos and bad values named, secrets never shown. */
class PipelineConfigTest {
    @TempDir
    Path dir;

    @Test
    void theEmbeddedDefaultIsTheDemo() {
        PipelineConfig c = PipelineConfig.defaults();
        assertEquals("runs/demo", c.runDir());
        assertTrue(c.prepare().bundled());
        assertEquals(List.of(SuperGlueTask.BOOLQ), c.prepare().tasks());
        assertEquals("tiny", c.recipe().model().preset());
        assertNull(c.recipe().model().initFrom());
        assertEquals(2, c.recipe().runtime().dp());
        assertEquals(600, c.recipe().hyper().steps());
        assertEquals(Duration.ofSeconds(300), c.recipe().runtime().rendezvousTimeout());
        assertEquals(Map.of(), c.hadoop());
    }

    @Test
    void laterFilesOverrideEarlierOnesAndOverridesWinOverFiles() throws Exception {
        Path a = write("a.conf", "lomo { train { steps = 100, lr = 0.1 }, prepare.tasks = [BoolQ, RTE] }");
        Path b = write("b.conf", "lomo.train.steps = 200");
        PipelineConfig files = PipelineConfig.load(List.of(a, b), List.of());
        assertEquals(200, files.recipe().hyper().steps());
        assertEquals(0.1, files.recipe().hyper().lr(), 0.0);
        assertEquals(List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE), files.prepare().tasks());
        PipelineConfig overridden = PipelineConfig.load(List.of(a, b),
                List.of("train.steps=300", "lomo.run-dir=s3a://bucket/runs/x", "model.init-from=/models/7b"));
        assertEquals(300, overridden.recipe().hyper().steps());
        assertEquals("s3a://bucket/runs/x", overridden.runDir());
        assertEquals("/models/7b", overridden.recipe().model().initFrom());
        assertEquals(0.5, PipelineConfig.load(List.of(), List.of()).recipe().hyper().lr(), 0.0, "defaults untouched");
    }

    @Test
    void aQuotedOverrideMeansTheStringInsideTheQuotes() {
        PipelineConfig c = PipelineConfig.load(List.of(), List.of("spark.\"spark.master\"=\"local[3]\"",
                "run-dir=\"runs/x y\"", "prepare.tokenizer=\"models/llama 2\""));
        assertEquals("local[3]", c.spark().get("spark.master"));
        assertEquals("runs/x y", c.runDir());
        assertEquals("models/llama 2", c.prepare().tokenizer());
        // unquoted values stay as written
        assertEquals("runs/plain", PipelineConfig.load(List.of(), List.of("run-dir=runs/plain")).runDir());
    }

    @Test
    void aTypoIsAnErrorNamingTheKeyTheFileAndTheKnownKeys() throws Exception {
        Path f = write("typo.conf", "lomo {\n  train {\n    stesp = 100\n  }\n}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(f), List.of()));
        assertTrue(e.getMessage().contains("unknown setting 'lomo.train.stesp'"), e.getMessage());
        assertTrue(e.getMessage().contains("typo.conf: 3"), e.getMessage());
        assertTrue(e.getMessage().contains("known in lomo.train: batch, clip-norm, clip-value, device, dp"), e.getMessage());
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("evaluate.bach=4")));
        assertTrue(o.getMessage().contains("'lomo.evaluate.bach'") && o.getMessage().contains("evaluate.bach=4"),
                o.getMessage());
    }

    @Test
    void aBadValueIsAnErrorNamingTheKeyAndWhereItWasSet() throws Exception {
        Path f = write("bad.conf", "lomo.train.dp = two\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(f), List.of()));
        assertTrue(e.getMessage().contains("bad.conf: 1") && e.getMessage().contains("dp"), e.getMessage());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("evaluate.split=train")));
        assertTrue(split.getMessage().contains("evaluate.split 'train'"), split.getMessage());
        IllegalArgumentException shards = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("train.dp=8")));
        assertTrue(shards.getMessage().contains("prepare.shards 4 is less than train.dp 8"), shards.getMessage());
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("train.device=tpu")));
        assertTrue(device.getMessage().contains("device = tpu must be cpu, cuda or cuda:N (override 'train.device=tpu')"),
                device.getMessage());
        IllegalArgumentException indexed = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("train.device=cuda:1")));
        assertTrue(indexed.getMessage().contains("each task takes the GPU Spark assigned it"), indexed.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("train.strategy=hook", "train.micro-batches=4")));
        assertTrue(both.getMessage().contains("micro-batches 4 needs strategy block"), both.getMessage());
        IllegalArgumentException baseline = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("train.optimizer=adamw", "train.dp=1")));
        assertTrue(baseline.getMessage().contains("optimizer adamw is a full-backward baseline"), baseline.getMessage());
        PipelineConfig gpu = PipelineConfig.load(List.of(), List.of("train.device=cuda", "train.dtype=bf16"));
        assertEquals("bf16", gpu.recipe().runtime().dtype());
        // evaluation scores where training ran unless told otherwise
        assertEquals(List.of("cuda", "bf16"), List.of(gpu.evaluate().device(), gpu.evaluate().dtype()));
        PipelineConfig cpuEval = PipelineConfig.load(List.of(), List.of("train.device=cuda", "train.dtype=bf16",
                "evaluate.device=cpu", "evaluate.dtype=f32"));
        assertEquals(List.of("cpu", "f32"), List.of(cpuEval.evaluate().device(), cpuEval.evaluate().dtype()));
        IllegalArgumentException evalDevice = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("evaluate.dtype=fp16")));
        assertTrue(evalDevice.getMessage().contains("evaluate.dtype 'fp16' (override 'evaluate.dtype=fp16') must be"
                + " one of [f32, bf16, f16]"), evalDevice.getMessage());
        IllegalArgumentException task = assertThrows(IllegalArgumentException.class,
                () -> PipelineConfig.load(List.of(), List.of("prepare.tasks=[BoolQ, Boolq]")));
        assertTrue(task.getMessage().contains("unknown SuperGLUE task folder 'Boolq'"), task.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PipelineConfig.load(List.of(dir.resolve("none.conf")),
                List.of()), "a missing file");
    }

    @Test
    void hadoopSettingsAreFlatKeysAndCredentialsAreNeverRendered() throws Exception {
        Path f = write("s3.conf", String.join("\n",
                "lomo.hadoop {",
                "  fs.s3a.endpoint = \"http://127.0.0.1:9000\"",
                "  \"fs.s3a.path.style.access\" = true",
                "  \"fs.s3a.access.key\" = AKIAEXAMPLEKEY",
                "  \"fs.s3a.secret.key\" = hunter2-very-secret",
                "}"));
        PipelineConfig c = PipelineConfig.load(List.of(f), List.of("hadoop.\"fs.s3a.session.token\"=tok-123"));
        assertEquals("http://127.0.0.1:9000", c.hadoop().get("fs.s3a.endpoint"));
        assertEquals("true", c.hadoop().get("fs.s3a.path.style.access"));
        assertEquals("hunter2-very-secret", c.hadoop().get("fs.s3a.secret.key"));
        String shown = c.render();
        assertTrue(shown.contains("127.0.0.1:9000"), shown);
        for (String secret : List.of("AKIAEXAMPLEKEY", "hunter2-very-secret", "tok-123")) {
            assertFalse(shown.contains(secret), "rendered config shows " + secret + ":\n" + shown);
        }
        assertTrue(shown.contains("****"), shown);
        assertFalse(c.toString().contains("hunter2"), c.toString());
    }

    @Test
    void everyFileInConfLoads() throws Exception {
        List<Path> files;
        try (var s = Files.list(Path.of("..", "conf"))) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() >= 4, files.toString());
        for (Path f : files) {
            PipelineConfig c = PipelineConfig.load(List.of(f), List.of());
            assertTrue(c.recipe().hyper().steps() > 0, f.toString());
        }
        PipelineConfig sevenB = PipelineConfig.load(List.of(Path.of("..", "conf", "superglue-llama-7b.conf"),
                Path.of("..", "conf", "s3.conf")), List.of("prepare.tasks=[BoolQ]"));
        assertEquals("llama-7b", sevenB.recipe().model().preset());
        assertEquals(List.of(SuperGlueTask.BOOLQ), sevenB.prepare().tasks());
        assertTrue(sevenB.runDir().startsWith("s3a://"), sevenB.runDir());
        assertEquals(16, sevenB.recipe().runtime().dp() * sevenB.recipe().data().batch());
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }
}
