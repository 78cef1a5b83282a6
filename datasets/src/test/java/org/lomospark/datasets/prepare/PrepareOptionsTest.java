package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.instruct.Alpaca;
import org.lomospark.datasets.instruct.ChatExamples;
import org.lomospark.datasets.instruct.ChatTemplate;
import org.lomospark.datasets.jsonl.JsonlFile;
import org.lomospark.datasets.jsonl.Parsed;
import org.lomospark.datasets.prompt.PromptTemplates;
import org.lomospark.datasets.prompt.SuperGluePrompts;
import org.lomospark.datasets.prompt.TrainingExample;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueRecord;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.ByteLevelBpe;
import org.lomospark.datasets.tokenize.ByteTokenizer;
import org.lomospark.datasets.tokenize.HfTokenizer;

/** The prepare job's options on local[2]: sampling, instruction data and packing, a Hugging Face tokenizer, buckets. */
class PrepareOptionsTest {
    private static final List<Split> TRAIN_VAL = List.of(Split.TRAIN, Split.VAL);
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("PrepareOptionsTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static Path resource(String name) throws Exception {
        return Path.of(PrepareOptionsTest.class.getResource(name).toURI());
    }

    private static Dataset<Row> table(Path out, String name) {
        return spark.read().parquet(out.resolve(name).toString());
    }

    /** BoolQ train and val files of {@code n} and {@code m} generated records, lines in a seeded order. */
    private Path boolQ(String name, int n, int m, long order) throws IOException {
        Path root = dir.resolve(name);
        Files.createDirectories(root.resolve("BoolQ"));
        for (var split : List.of(new Object[] {"train", n}, new Object[] {"val", m})) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < (int) split[1]; i++) {
                lines.add(String.format(Locale.ROOT, "{\"question\": \"is crate %d heavy\", \"passage\": \"Crate %d"
                        + " holds %s.\", \"idx\": %d, \"label\": %b}", i, i, i % 3 == 0 ? "bricks" : "feathers", i,
                        i % 3 == 0));
            }
            Collections.shuffle(lines, new Random(order));
            Files.write(root.resolve("BoolQ").resolve(split[0] + ".jsonl"), lines);
        }
        return root;
    }

    private static Set<String> ids(Path out) {
        Set<String> ids = new HashSet<>();
        table(out, "train").select("id").collectAsList().forEach(r -> ids.add(r.getString(0)));
        return ids;
    }

    private static PrepareSpec sampled(Path input, Path out, long seed, int n) {
        return PrepareSpec.builder(out.toString()).superGlue(input.toString(), List.of(SuperGlueTask.BOOLQ),
                TRAIN_VAL).sample(new Sampling(seed, n, n)).build();
    }

    @Test
    void samplingKeepsExactlyNRecordsChosenBySeedAloneAndRerunsWriteTheSameBytes() throws Exception {
        Path input = boolQ("in", 1500, 1200, 1);
        Path a = dir.resolve("a");
        Manifest m = PrepareStage.run(spark, sampled(input, a, 7, 1000));
        assertEquals(1000, table(a, "train").count());
        assertEquals(1000, table(a, "eval").select("group").distinct().count());
        assertEquals(2000, table(a, "eval").count(), "two candidates (yes, no) per question");
        assertEquals(2000, m.records());
        assertEquals(500 + 200, m.skipped());
        assertEquals(2700, m.lines());
        assertEquals(new Sampling(7, 1000, 1000), m.sampling());

        // the same seed over the same lines in another order picks the same records, and writes the same bytes
        Path shuffled = boolQ("shuffled", 1500, 1200, 2);
        Path b = dir.resolve("b");
        PrepareStage.run(spark, sampled(shuffled, b, 7, 1000));
        assertEquals(ids(a), ids(b));
        Path c = dir.resolve("c");
        PrepareStage.run(spark, sampled(input, c, 7, 1000));
        assertEquals(contents(a), contents(c), "same input, same seed: the same bytes in every file");

        // another seed picks other records; a smaller sample with the same seed is a subset
        Path d = dir.resolve("d");
        PrepareStage.run(spark, sampled(input, d, 8, 1000));
        assertNotEquals(ids(a), ids(d));
        Path e = dir.resolve("e");
        PrepareStage.run(spark, sampled(input, e, 7, 300));
        assertEquals(300, ids(e).size());
        assertTrue(ids(a).containsAll(ids(e)));
    }

    /** Every file's bytes by relative path; Parquet part names carry a random job id, so parts go by order. */
    private static TreeMap<String, String> contents(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = root.relativize(f).toString().replaceAll("part-(\\d+)-[0-9a-f-]+", "part-$1");
                if (!name.endsWith(".crc")) {
                    out.put(name, java.util.HexFormat.of().formatHex(Files.readAllBytes(f)));
                }
            }
        }
        return out;
    }

    @Test
    void instructionDataIsPackedAsWholeExamplesWithTheirMasks() throws Exception {
        Path alpaca = resource("/samples/instruct/alpaca.json");
        Path sharegpt = resource("/samples/instruct/sharegpt.jsonl");
        Path plain = dir.resolve("plain");
        Path packed = dir.resolve("packed");
        PrepareSpec.Builder spec = PrepareSpec.builder(plain.toString())
                .instruct(new InstructInput("alpaca", alpaca.toString(), InstructInput.Format.ALPACA))
                .instruct(new InstructInput("chat", sharegpt.toString(), InstructInput.Format.SHAREGPT));
        Manifest one = PrepareStage.run(spark, spec.build());
        PrepareSpec.Builder packing = PrepareSpec.builder(packed.toString())
                .instruct(new InstructInput("alpaca", alpaca.toString(), InstructInput.Format.ALPACA))
                .instruct(new InstructInput("chat", sharegpt.toString(), InstructInput.Format.SHAREGPT))
                .maxLength(512).pack(512);
        Manifest m = PrepareStage.run(spark, packing.build());

        assertEquals(8, Alpaca.read(alpaca).size(), "the array's elements; the JSONL has 6 conversations");
        assertEquals(14, one.records());
        assertEquals(14, one.trainRows());
        assertEquals(14, m.records());
        assertTrue(m.trainRows() < 14, "several examples share a row: " + m.trainRows());
        assertEquals(one.totalTokens(), m.totalTokens(), "packing adds no padding and drops nothing");

        // cut the packed rows back at their segments: the same examples, masks and all
        List<String> unpacked = new ArrayList<>();
        for (Row r : table(packed, "train").collectAsList()) {
            List<Integer> tokens = r.getList(2);
            List<Boolean> mask = r.getList(3);
            List<Integer> segments = r.getList(5);
            assertTrue(tokens.size() <= 512, r::toString);
            assertEquals(0, segments.get(0));
            for (int s = 0; s < segments.size(); s++) {
                int end = s + 1 < segments.size() ? segments.get(s + 1) : tokens.size();
                unpacked.add(r.getString(0) + tokens.subList(segments.get(s), end) + mask.subList(segments.get(s),
                        end));
            }
        }
        List<String> examples = new ArrayList<>();
        for (Row r : table(plain, "train").collectAsList()) {
            assertEquals(List.of(0), r.getList(5));
            examples.add(r.getString(0) + r.getList(2) + r.getList(3));
        }
        Collections.sort(unpacked);
        Collections.sort(examples);
        assertEquals(examples, unpacked);

        // and the rows are what the chat template makes of the file, computed here without Spark
        ChatExamples chat = new ChatExamples(ChatTemplate.defaults(), new ByteTokenizer());
        List<Parsed<Alpaca>> records = Alpaca.read(alpaca);
        TrainingExample third = chat.training("alpaca",
                ((Parsed.Ok<Alpaca>) records.get(2)).value().conversation("3"));
        Row row = table(plain, "train").where("task = 'alpaca' AND id = '3'").first();
        assertEquals(java.util.Arrays.stream(third.tokens()).boxed().toList(), row.getList(2));
    }

    @Test
    void passagesAreCutToMaxLengthAndWhatCannotFitIsQuarantined() throws Exception {
        Path samples = resource("/samples/superglue");
        Path out = dir.resolve("cut");
        Manifest m = PrepareStage.run(spark, PrepareSpec.builder(out.toString())
                .superGlue(samples.toString(), List.of(SuperGlueTask.BOOLQ, SuperGlueTask.COPA), TRAIN_VAL)
                .maxLength(160).build());
        Manifest.Source boolQTrain = m.sources().get(0);
        assertEquals("BoolQ train", boolQTrain.task() + " " + boolQTrain.split());
        assertTrue(boolQTrain.truncated() > 0 && boolQTrain.truncated() < 12, boolQTrain::toString);
        assertEquals(0, m.bad());
        assertEquals(160, m.longestRow(), "cut passages fill the limit exactly with one token per byte");
        assertEquals(0, table(out, "train").where("length > 160").count());
        assertEquals(0, table(out, "eval").where("length > 160").count());
        assertEquals(m.sources().stream().mapToLong(Manifest.Source::truncated).sum(), m.truncated());

        // COPA has no passage: at 40 tokens its questions cannot fit and go to quarantine, named
        Path tight = dir.resolve("tight");
        Manifest q = PrepareStage.run(spark, PrepareSpec.builder(tight.toString())
                .superGlue(samples.toString(), List.of(SuperGlueTask.COPA), TRAIN_VAL)
                .maxLength(40).maxBadFraction(1).build());
        assertEquals(18, q.bad());
        assertEquals(0, q.records());
        Row first = table(tight, "quarantine").orderBy("file", "line").first();
        assertTrue(first.getString(2).startsWith("over-long: COPA ")
                && first.getString(2).endsWith("has no passage to cut; max_length 40"), first::toString);
    }

    @Test
    void overLongInstructionExamplesAreQuarantinedNotCut() throws Exception {
        Path alpaca = resource("/samples/instruct/alpaca.json");
        Path out = dir.resolve("short");
        Manifest m = PrepareStage.run(spark, PrepareSpec.builder(out.toString())
                .instruct(new InstructInput("alpaca", alpaca.toString(), InstructInput.Format.ALPACA))
                .maxLength(100).maxBadFraction(1).build());
        ChatExamples chat = new ChatExamples(ChatTemplate.defaults(), new ByteTokenizer());
        int over = 0;
        for (Parsed<Alpaca> p : Alpaca.read(alpaca)) {
            Alpaca a = ((Parsed.Ok<Alpaca>) p).value();
            over += chat.training("alpaca", a.conversation(Long.toString(p.line()))).tokens().length > 100 ? 1 : 0;
        }
        assertTrue(over > 0 && over < 8, "the fixture has examples on both sides of 100 tokens: " + over);
        assertEquals(over, m.bad());
        assertEquals(8 - over, m.records());
        for (Row r : table(out, "quarantine").collectAsList()) {
            assertTrue(r.getString(2).startsWith("over-long: "), r::toString);
            assertTrue(r.getString(2).endsWith("the limit is 100"), r::toString);
        }
        assertEquals(0, table(out, "train").where("length > 100").count());
    }

    @Test
    void huggingFaceTokenizerIsLoadedFromItsDirectoryAndFingerprinted() throws Exception {
        Path tokenizer = ByteLevelBpe.write(dir.resolve("tokenizer"));
        Path out = dir.resolve("hf");
        Path samples = resource("/samples/superglue");
        Manifest m = PrepareStage.run(spark, PrepareSpec.builder(out.toString())
                .superGlue(samples.toString(), List.of(SuperGlueTask.RTE), TRAIN_VAL)
                .tokenizer(TokenizerSpec.parse(tokenizer.toString())).evalBucket(16).build());

        try (HfTokenizer direct = HfTokenizer.load(tokenizer)) {
            assertEquals(direct.fingerprint(), m.tokenizerFingerprint());
            assertTrue(m.tokenizerFingerprint().startsWith("hf-sha256:"));
            assertEquals(ByteLevelBpe.VOCAB, m.vocabSize());
            SuperGluePrompts prompts = new SuperGluePrompts(PromptTemplates.paper());
            for (Parsed<SuperGlueRecord> p : JsonlFile.read(samples.resolve("RTE/train.jsonl"),
                    SuperGlueTask.RTE.parser())) {
                SuperGlueRecord r = ((Parsed.Ok<SuperGlueRecord>) p).value();
                TrainingExample e = prompts.training(r, direct).get(0);
                Row row = table(out, "train").where("id = '" + r.idx() + "'").first();
                assertEquals(java.util.Arrays.stream(e.tokens()).boxed().toList(), row.getList(2), e::id);
                assertEquals(ByteLevelBpe.BOS, e.tokens()[0]);
                assertEquals(ByteLevelBpe.EOS, e.tokens()[e.tokens().length - 1]);
            }
        }

        // eval rows are padded to the bucket above their length, and the manifest counts each bucket
        long evalRows = 0;
        for (Row r : table(out, "eval").collectAsList()) {
            int length = r.getInt(7);
            int padded = r.getInt(8);
            assertEquals(0, padded % 16, r::toString);
            assertTrue(padded >= length && padded < length + 16, r::toString);
            evalRows++;
        }
        assertEquals(m.evalRows(), evalRows);
        assertEquals(m.evalRows(), m.evalBuckets().values().stream().mapToLong(Long::longValue).sum());
        for (var bucket : m.evalBuckets().entrySet()) {
            assertEquals(bucket.getValue(), table(out, "eval").where("padded_length = " + bucket.getKey()).count());
        }
    }

    @Test
    void aMissingTokenizerIsNamedAndNothingIsWritten() throws Exception {
        Path out = dir.resolve("none");
        Path samples = resource("/samples/superglue");
        IOException e = assertThrows(IOException.class, () -> PrepareStage.run(spark, PrepareSpec.builder(
                out.toString()).superGlue(samples.toString(), List.of(SuperGlueTask.RTE), TRAIN_VAL)
                .tokenizer(TokenizerSpec.parse(dir.resolve("nowhere").toString())).build()));
        assertTrue(e.getMessage().contains("nowhere/tokenizer.json"), e::getMessage);
        assertTrue(Files.notExists(out));
    }

    @Test
    void specRejectsContradictions() {
        assertThrows(IllegalArgumentException.class, () -> PrepareSpec.builder("out").build(), "no work");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrepareSpec.builder("out")
                .instruct(new InstructInput("a", "a.json", InstructInput.Format.ALPACA)).maxLength(256).pack(512)
                .build());
        assertEquals("packLength 512 must be 0 (no packing) or in [8, maxLength 256]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sampling(1, -1, 0));
        assertTrue(e.getMessage().contains("train -1"), e::getMessage);
        assertArrayEquals(new long[] {new Sampling(3, 1, 1).key("BoolQ", "train", "17")},
                new long[] {new Sampling(3, 5, 9).key("BoolQ", "train", "17")}, "the key ignores the sizes");
    }
}
