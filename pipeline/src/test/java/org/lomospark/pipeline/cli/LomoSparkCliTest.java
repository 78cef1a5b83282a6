package org.lomospark.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.testing.S3ProxyServer;
import org.lomospark.pipeline.config.PipelineConfig;
import org.lomospark.trainer.engine.TensorBoardLog;

/** The CLI's commands, one stage at a time and all at once, on a local and on an s3a run directory. */
class LomoSparkCliTest {
    private static final List<String> SHORT = List.of("train.steps=20", "train.save-every=10", "train.warmup=2",
            "train.batch=4");
    @TempDir
    Path dir;

    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        for (String[] argv : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"train", "--help"},
                new String[] {"run", "--config", "conf/absent.conf", "-h"}, new String[] {"generate", "x=1", "--help"})) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = LomoSparkCli.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, String.join(" ", argv));
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: lomo-spark {prepare|train"),
                    out.toString(StandardCharsets.UTF_8));
            assertEquals("", err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void anUnknownOptionOrCommandExitsTwoWithAMessage() throws Exception {
        for (String[] argv : List.of(new String[] {"train", "--bogus"}, new String[] {"trian"}, new String[] {})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = LomoSparkCli.run(argv, new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, code, String.join(" ", argv));
            String printed = err.toString(StandardCharsets.UTF_8);
            assertTrue(printed.startsWith("lomo-spark: " + (argv.length == 0 ? "no command"
                    : argv.length == 1 ? "unknown command 'trian'" : "unexpected argument '--bogus'")), printed);
        }
    }

    @Test
    void aRunItsChecksRefuseExitsTwoWithTheMessageAndNoStackTrace() throws Exception {
        Path runDir = dir.resolve("refused");
        Path missing = dir.resolve("no-tokenizer-here");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LomoSparkCli.run(new String[] {"prepare", "run-dir=\"" + runDir + "\"",
            "prepare.tokenizer=\"" + missing + "\"", "spark.\"spark.master\"=\"local[2]\""},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, printed);
        assertEquals("lomo-spark: tokenizer " + missing + ": no file:" + missing.resolve("tokenizer.json"),
                printed.strip(), printed);
        assertFalse(Files.exists(runDir), "a refused run leaves no run directory");
    }

    @Test
    void eachStageAloneThenRunSkipsWhatIsDone() throws Exception {
        Path runDir = dir.resolve("run");
        PipelineConfig c = config("run-dir=" + runDir, "train.eval-every=10");
        SparkSession spark = LocalSpark.builder("LomoSparkCliTest", "local[2,4]").getOrCreate();
        try {
            String prepared = execute(spark, "prepare", c);
            assertTrue(prepared.contains("[prepare]"), prepared);
            assertTrue(Files.exists(runDir.resolve("prepared/manifest.json")));
            assertTrue(Files.exists(runDir.resolve("input/BoolQ/train.jsonl")), "the bundled samples are copied in");
            IllegalStateException early = assertThrows(IllegalStateException.class,
                    () -> LomoSparkCli.execute(spark, "export", c, new PrintStream(new ByteArrayOutputStream(),
                            true, StandardCharsets.UTF_8)));
            assertTrue(early.getMessage().contains("has no committed checkpoint (run train first)"),
                    early.getMessage());
            // data tokenized with one tokenizer is never trained with another
            Path other = otherTokenizer(dir.resolve("word-level"));
            PipelineConfig mixed = config("run-dir=" + runDir, "prepare.tokenizer=\"" + other + "\"");
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> LomoSparkCli.execute(spark, "train", mixed, new PrintStream(new ByteArrayOutputStream(),
                            true, StandardCharsets.UTF_8)));
            assertTrue(wrong.getMessage().contains("was prepared with tokenizer byte (fingerprint byte-utf8-v1), but "
                    + "prepare.tokenizer = " + other + " is another"), wrong.getMessage());
            assertFalse(Files.exists(runDir.resolve("checkpoints")), "nothing trained");

            String trained = execute(spark, "train", c);
            assertTrue(trained.contains("step 20/20"), trained);
            List<String> steps = Files.readAllLines(runDir.resolve("metrics.jsonl"));
            assertEquals(20, steps.size());
            // the validation loss at steps 10 and 20 only
            for (int i = 0; i < 20; i++) {
                assertEquals(i == 9 || i == 19, steps.get(i).contains("\"val_loss\":"), steps.get(i));
            }
            assertTrue(Files.size(runDir.resolve("loss.png")) > 0);
            // the same steps as TensorBoard scalars, after the recipe as its hyper-parameters
            List<Path> events;
            try (var files = Files.list(runDir.resolve("tensorboard"))) {
                events = files.toList();
            }
            assertEquals(1, events.size(), events.toString());
            List<TensorBoardLog.Event> logged = TensorBoardLog.read(events.get(0));
            assertEquals(2 + 20, logged.size());
            assertEquals(20.0, logged.get(1).hparams().get("steps"), logged.get(1).hparams().toString());
            assertEquals("lomo", logged.get(1).hparams().get("optimizer"));
            for (int i = 0; i < 20; i++) {
                JsonNode line = new ObjectMapper().readTree(steps.get(i));
                TensorBoardLog.Event e = logged.get(2 + i);
                assertEquals(i + 1, e.step());
                assertEquals((float) line.get("loss").asDouble(), e.scalars().get("train/loss"), steps.get(i));
                assertEquals((float) line.get("lr").asDouble(), e.scalars().get("train/lr"), steps.get(i));
                assertEquals(line.has("val_loss"), e.scalars().containsKey("val/loss"), steps.get(i));
            }
            execute(spark, "export", c);
            assertTrue(Files.exists(runDir.resolve("model/config.json")));
            // the byte-level model ships its tokenizer as files a Hugging Face user can load
            for (String f : List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json")) {
                assertTrue(Files.exists(runDir.resolve("model").resolve(f)), f);
            }
            JsonNode exported = new ObjectMapper().readTree(runDir.resolve("model/config.json").toFile());
            assertEquals(256, exported.path("bos_token_id").asInt(), exported.toString());
            assertEquals(257, exported.path("eos_token_id").asInt(), exported.toString());
            assertEquals(258, exported.path("pad_token_id").asInt(), exported.toString());
            IllegalArgumentException wrongEval = assertThrows(IllegalArgumentException.class,
                    () -> LomoSparkCli.execute(spark, "evaluate", mixed, new PrintStream(new ByteArrayOutputStream(),
                            true, StandardCharsets.UTF_8)));
            assertTrue(wrongEval.getMessage().contains("was prepared with tokenizer byte"), wrongEval.getMessage());
            String evaluated = execute(spark, "evaluate", c);
            assertTrue(evaluated.contains("BoolQ"), evaluated);
            JsonNode eval = new ObjectMapper().readTree(runDir.resolve("eval.json").toFile());
            assertEquals(200, eval.path("BoolQ").path("questions").asInt());
            assertTrue(eval.path("BoolQ").has("accuracy"), eval.toString());
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> LomoSparkCli.execute(spark, "generate", c, new PrintStream(new ByteArrayOutputStream(),
                            true, StandardCharsets.UTF_8)));
            assertTrue(none.getMessage().contains("generate.prompts is empty"), none.getMessage());
            String generated = execute(spark, "generate", config("run-dir=" + runDir,
                    "generate.prompts=[\"Is water wet?\", \"Is it cold?\"]", "generate.max-new-tokens=5"));
            assertTrue(generated.contains("[generate] Is water wet?"), generated);
            List<String> lines = Files.readAllLines(runDir.resolve("generated.jsonl"));
            assertEquals(2, lines.size());
            for (String line : lines) {
                JsonNode g = new ObjectMapper().readTree(line);
                assertTrue(g.path("generated").asText().length() <= 5, line);
            }

            // everything is done: run only evaluates again; a longer run resumes from step 20
            String again = execute(spark, "run", c);
            assertTrue(again.contains("[train] already trained to step 20"), again);
            assertTrue(again.contains("/model exists"), again);
            String longer = execute(spark, "train", config("run-dir=" + runDir, "train.steps=30"));
            assertTrue(longer.contains("(resuming from step 20)"), longer);
            assertEquals(30, Files.readAllLines(runDir.resolve("metrics.jsonl")).size(),
                    "steps 21-30 appended to 1-20");
        } finally {
            spark.stop();
        }
    }

    @Test
    void runOnAnS3RunDirectory() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir, "runs")) {
            SparkSession spark = s3.configure(LocalSpark.builder("LomoSparkCliTest-s3", "local[2,4]"))
                    .getOrCreate();
            try {
                String out = execute(spark, "run", config("run-dir=" + s3.url("demo")));
                assertTrue(out.contains("model: " + s3.url("demo/model")), out);
                FileSystem fs = new org.apache.hadoop.fs.Path(s3.url("demo")).getFileSystem(
                        spark.sparkContext().hadoopConfiguration());
                for (String f : List.of("prepared/manifest.json", "checkpoints/step-00000020/manifest.json",
                        "model/config.json", "metrics.jsonl", "loss.png", "eval.json")) {
                    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(s3.url("demo/" + f))), f + " on s3a");
                }
                var tensorBoard = fs.listStatus(new org.apache.hadoop.fs.Path(s3.url("demo/tensorboard")));
                assertEquals(1, tensorBoard.length, "one events file on s3a");
                assertTrue(tensorBoard[0].getPath().getName().startsWith("events.out.tfevents."),
                        tensorBoard[0].getPath().toString());
            } finally {
                spark.stop();
            }
        }
    }

    @Test
    void theCommandLineIsACommandConfigFilesAndOverrides() {
        LomoSparkCli.Invocation inv = LomoSparkCli.parse(new String[] {"train", "-c", "a.conf", "--config", "b.conf",
            "train.steps=5", "--print-config"});
        assertEquals("train", inv.command());
        assertEquals(List.of(Path.of("a.conf"), Path.of("b.conf")), inv.files());
        assertEquals(List.of("train.steps=5"), inv.overrides());
        assertTrue(inv.printConfig());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LomoSparkCli.parse(new String[] {"fit"}))
                .getMessage().contains("unknown command 'fit'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LomoSparkCli.parse(new String[] {"run",
            "--steps", "3"})).getMessage().contains("unexpected argument '--steps'"));
    }

    @Test
    void aRunThatFailsItsChecksLeavesNoRunDirectory() throws Exception {
        Path runDir = dir.resolve("refused");
        // 4 heads do not split over 3 tensor-parallel ranks: refused when the settings are read
        IllegalArgumentException tp = assertThrows(IllegalArgumentException.class,
                () -> config("run-dir=" + runDir, "train.tp=3"));
        assertTrue(tp.getMessage().contains("num_attention_heads (4) and num_key_value_heads (2) must both be "
                + "multiples of 3 (tp 3, model tiny)"), tp.getMessage());
        // the byte tokenizer's 259 ids do not fit a vocabulary of 100: refused before any data is read
        Path small = dir.resolve("small.json");
        Files.writeString(small, "{\"vocab_size\":100,\"hidden_size\":64,\"intermediate_size\":176,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2}");
        PipelineConfig c = config("run-dir=" + runDir, "model.preset=\"" + small + "\"");
        SparkSession spark = LocalSpark.builder("LomoSparkCliTest", "local[2,4]").getOrCreate();
        try {
            IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
                    () -> LomoSparkCli.execute(spark, "run", c, new PrintStream(new ByteArrayOutputStream(), true,
                            StandardCharsets.UTF_8)));
            assertTrue(vocab.getMessage().contains("prepare.tokenizer byte has 259 ids, more than model.preset "
                    + small + "'s vocabulary of 100"), vocab.getMessage());
            // data prepared for a larger model is not trained with this one: refused before any task starts
            Path prepared = dir.resolve("prepared-for-tiny");
            execute(spark, "prepare", config("run-dir=" + prepared));
            IllegalArgumentException data = assertThrows(IllegalArgumentException.class,
                    () -> LomoSparkCli.execute(spark, "train", config("run-dir=" + prepared,
                            "model.preset=\"" + small + "\""), new PrintStream(new ByteArrayOutputStream(), true,
                            StandardCharsets.UTF_8)));
            assertTrue(data.getMessage().contains("holds ids of a vocabulary of 259 (tokenizer byte), more than "
                    + "model.preset " + small + "'s 100"), data.getMessage());
            assertFalse(Files.exists(prepared.resolve("checkpoints")), "nothing trained");
        } finally {
            spark.stop();
        }
        assertFalse(Files.exists(runDir), "no run directory");
    }

    @Test
    void anEncryptionKeyIsMaskedInThePrintedConfigAndInSparksEventLog() throws Exception {
        String key = "c2VjcmV0LXNzZS1jLWtleS0xMjM0NTY3ODkwMTI=";
        Path events = Files.createDirectories(dir.resolve("events"));
        PipelineConfig c = config("hadoop.\"fs.s3a.encryption.key\"=\"" + key + "\"",
                "hadoop.\"fs.s3a.encryption.algorithm\"=SSE-C", "spark.\"spark.eventLog.enabled\"=true",
                "spark.\"spark.eventLog.dir\"=\"" + events.toUri() + "\"",
                "spark.\"spark.eventLog.compress\"=false");
        assertFalse(c.render().contains(key), c.render());
        assertTrue(c.render().contains("fs.s3a.encryption.algorithm"), c.render());
        SparkSession spark = LomoSparkCli.session(c, "redaction-test");
        try {
            assertEquals(10, spark.range(10).count());
        } finally {
            spark.stop();
        }
        StringBuilder log = new StringBuilder();
        try (var files = Files.walk(events)) { // a rolling event log is a directory of files
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                log.append(Files.readString(f));
            }
        }
        assertTrue(log.toString().contains("spark.hadoop.fs.s3a.encryption.key"), "the key is in the event log");
        assertFalse(log.toString().contains(key), "its value is not");
    }

    /** A word-level Hugging Face tokenizer of a dozen words: another tokenizer than the byte one. */
    private static Path otherTokenizer(Path at) throws Exception {
        Files.createDirectories(at);
        Files.writeString(at.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true},
                   {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true},
                   {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true}],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2,
                   "yes": 3, "no": 4, "is": 5, "the": 6, "?": 7}}}
                """);
        return at;
    }

    private static PipelineConfig config(String... overrides) {
        List<String> all = new ArrayList<>(SHORT);
        all.addAll(List.of(overrides));
        return PipelineConfig.load(List.of(), all);
    }

    private static String execute(SparkSession spark, String command, PipelineConfig c) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LomoSparkCli.execute(spark, command, c, new PrintStream(log, true, StandardCharsets.UTF_8));
        return log.toString(StandardCharsets.UTF_8);
    }
}
