package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.AlpacaLines;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.testing.PreparedOutput;

/**
 * Corpus-scale input on local[2]: one file cut into many tasks gives exactly what one task gives (rows, shards,
 * quarantine with its line numbers, sample), compressed files, the messages and Parquet layouts, a BOM, an
 * over-long line, and inputs that are no file at all.
 */
class SplitInputTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("SplitInputTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static PrepareSpec.Builder alpaca(Path file, Path out) {
        return PrepareSpec.builder(out.toString())
                .instruct(new InstructInput("alpaca", file.toString(), InstructInput.Format.ALPACA))
                .maxBadFraction(0.01).maxLength(1 << 17); // line 2 is long on purpose
    }

    private static List<Row> quarantine(Path out) {
        return spark.read().parquet(out.resolve("quarantine").toString()).collectAsList();
    }

    @Test
    void aFileCutIntoManyTasksGivesWhatOneTaskGives() throws Exception {
        Path file = write("alpaca.jsonl", AlpacaLines.corpus());
        Path whole = dir.resolve("whole");
        Path cut = dir.resolve("cut");
        Manifest one = PrepareStage.run(spark, alpaca(file, whole).build());
        Manifest many = PrepareStage.run(spark, alpaca(file, cut).splitBytes(AlpacaLines.SPLIT).build());

        assertEquals(1, one.sources().get(0).tasks());
        long expected = (Files.size(file) + AlpacaLines.SPLIT - 1) / AlpacaLines.SPLIT;
        assertTrue(expected >= 8, "the corpus spans many splits: " + expected);
        assertEquals(expected, many.sources().get(0).tasks());
        PreparedOutput.assertSame(PreparedOutput.read(spark, whole), PreparedOutput.read(spark, cut));
        assertEquals(one.shards(), many.shards());
        assertEquals(one.totalTokens(), many.totalTokens());

        // every bad line with its exact number; the blank line is counted in the numbering, not quarantined
        List<Row> bad = quarantine(cut);
        assertEquals(List.of((long) AlpacaLines.NOT_JSON, (long) AlpacaLines.NOT_UTF8, (long) AlpacaLines.NO_OUTPUT),
                bad.stream().map(r -> r.getLong(1)).toList());
        assertTrue(bad.get(0).getString(2).startsWith("not valid JSON"), bad.get(0)::toString);
        assertEquals("not valid UTF-8 at byte 3", bad.get(1).getString(2));
        assertEquals("field 'output': missing", bad.get(2).getString(2));
        assertEquals(AlpacaLines.RECORDS - 1, many.lines());
        assertEquals(AlpacaLines.RECORDS - 4, many.records());

        // the id of an Alpaca record is its line: line 3, the first of the second split, is there
        List<String> ids = spark.read().parquet(cut.resolve("train").toString()).select("id").collectAsList()
                .stream().map(r -> r.getString(0)).toList();
        assertTrue(ids.contains("3") && ids.contains("2") && ids.contains(Integer.toString(AlpacaLines.RECORDS)), "ids");
        assertEquals(AlpacaLines.RECORDS - 4, ids.size());
    }

    @Test
    void theSampleDoesNotDependOnTheSplitSize() throws Exception {
        Path file = write("alpaca.jsonl", AlpacaLines.corpus());
        Path whole = dir.resolve("whole");
        Path cut = dir.resolve("cut");
        Sampling sample = new Sampling(5, 500, 0);
        Manifest one = PrepareStage.run(spark, alpaca(file, whole).sample(sample).build());
        Manifest many = PrepareStage.run(spark, alpaca(file, cut).sample(sample).splitBytes(AlpacaLines.SPLIT).build());
        assertEquals(500, one.records());
        assertEquals(AlpacaLines.RECORDS - 1 - 3 - 500, one.skipped());
        assertEquals(one, withTasks(many, one));
        PreparedOutput.assertSame(PreparedOutput.read(spark, whole), PreparedOutput.read(spark, cut));
    }

    /** {@code m} with the task counts of {@code like}: everything else must agree. */
    private static Manifest withTasks(Manifest m, Manifest like) {
        List<Manifest.Source> sources = new ArrayList<>();
        for (int i = 0; i < m.sources().size(); i++) {
            Manifest.Source s = m.sources().get(i);
            sources.add(new Manifest.Source(s.task(), s.split(), s.path(), s.bytes(), s.container(), s.compression(),
                    s.splittable(), like.sources().get(i).tasks(), s.lines(), s.records(), s.bad(), s.skipped(),
                    s.truncated(), s.rows(), s.tokens(), s.longestRow()));
        }
        return new Manifest(m.schemaVersion(), m.tokenizer(), m.tokenizerFingerprint(), m.vocabSize(),
                m.maxLength(), m.packLength(), m.evalBucket(), m.sampling(), m.lines(), m.records(), m.bad(),
                m.skipped(), m.truncated(), m.trainRows(), m.evalRows(), m.totalTokens(), m.longestRow(), sources,
                m.evalBuckets(), m.shards());
    }

    @Test
    void compressedFilesGiveThePlainFilesRowsInOneTaskEach() throws Exception {
        byte[] plain = AlpacaLines.corpus();
        Path plainOut = dir.resolve("plain");
        PrepareStage.run(spark, alpaca(write("a.jsonl", plain), plainOut).build());
        PreparedOutput expected = PreparedOutput.read(spark, plainOut);
        expected.parquet().keySet().removeIf(k -> k.startsWith("quarantine"));

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(plain);
        }
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        BZip2Codec codec = new BZip2Codec();
        codec.setConf(new Configuration(false));
        try (OutputStream o = codec.createOutputStream(bz)) {
            o.write(plain);
        }
        ByteArrayOutputStream zst = new ByteArrayOutputStream();
        try (OutputStream o = new ZstdOutputStream(zst)) {
            o.write(plain);
        }
        for (var c : List.of(new Object[] {"a.jsonl.gz", gz, "gzip"}, new Object[] {"a.jsonl.bz2", bz, "bzip2"},
                new Object[] {"a.jsonl.zst", zst, "zstd"})) {
            Path file = write((String) c[0], ((ByteArrayOutputStream) c[1]).toByteArray());
            Path out = dir.resolve("out-" + c[2]);
            Manifest m = PrepareStage.run(spark, alpaca(file, out).splitBytes(AlpacaLines.SPLIT).build());
            Manifest.Source s = m.sources().get(0);
            assertEquals(c[2], s.compression());
            assertEquals(false, s.splittable(), "a compressed file is read from its start by one task");
            assertEquals(1, s.tasks());
            PreparedOutput got = PreparedOutput.read(spark, out);
            got.parquet().keySet().removeIf(k -> k.startsWith("quarantine")); // they name the compressed file
            PreparedOutput.assertSame(expected, got);
            assertEquals(List.of("700", "1501", "2222"), quarantine(out).stream().map(r -> Long.toString(r.getLong(1)))
                    .toList());
        }
    }

    @Test
    void aByteOrderMarkStartsTheFirstLineAndIsNotPartOfIt() throws Exception {
        String lines = "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"c\", \"output\": \"d\"}\n";
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        ByteArrayOutputStream with = new ByteArrayOutputStream();
        with.writeBytes(bom);
        with.writeBytes(lines.getBytes(StandardCharsets.UTF_8));
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Manifest m = PrepareStage.run(spark, alpaca(write("bom.jsonl", with.toByteArray()), a).build());
        PrepareStage.run(spark, alpaca(write("plain.jsonl", lines.getBytes(StandardCharsets.UTF_8)), b).build());
        assertEquals(0, m.bad());
        assertEquals(2, m.records());
        PreparedOutput.assertSame(PreparedOutput.read(spark, b), PreparedOutput.read(spark, a));

        // the same in a JSON array, where the mark sits before the '['
        ByteArrayOutputStream array = new ByteArrayOutputStream();
        array.writeBytes(bom);
        array.writeBytes("[{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\", \"output\": \"d\"}]"
                .getBytes(StandardCharsets.UTF_8));
        Path c = dir.resolve("c");
        Manifest arr = PrepareStage.run(spark, alpaca(write("bom.json", array.toByteArray()), c).build());
        assertEquals("json_array", arr.sources().get(0).container());
        PreparedOutput.assertSame(PreparedOutput.read(spark, b), PreparedOutput.read(spark, c));
    }

    @Test
    void aLineOverTheLimitIsQuarantinedUnread() throws Exception {
        String good = "{\"instruction\": \"a\", \"output\": \"b\"}\n";
        String huge = "{\"instruction\": \"" + "y".repeat(1 << 20) + "\", \"output\": \"b\"}\n";
        Path file = write("long.jsonl", (good + huge + good).getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("out");
        Manifest m = PrepareStage.run(spark, alpaca(file, out).maxLineBytes(4096).maxBadFraction(0.5).build());
        assertEquals(2, m.records());
        List<Row> bad = quarantine(out);
        assertEquals(1, bad.size());
        assertEquals(2, bad.get(0).getLong(1));
        assertEquals("line of " + (huge.length() - 1) + " bytes is longer than maxLineBytes 4096; not read",
                bad.get(0).getString(2));
    }

    @Test
    void chatMessagesAndShareGptWithoutIdsAreRead() throws Exception {
        String messages = "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"},"
                + " {\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n"
                + "{\"id\": \"m2\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"a\", \"weight\": 1}]}\n"
                + "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"skip me\", \"weight\": 0}]}\n"
                + "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}\n";
        String sharegpt = "{\"conversations\": [{\"from\": \"system\", \"value\": \"be brief\"},"
                + " {\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", \"value\": \"hello\"}]}\n"
                + "{\"id\": \"m2\", \"conversations\": [{\"from\": \"human\", \"value\": \"q\"},"
                + " {\"from\": \"gpt\", \"value\": \"a\"}]}\n";
        Path m = dir.resolve("m");
        Path s = dir.resolve("s");
        Manifest chat = PrepareStage.run(spark, PrepareSpec.builder(m.toString()).maxBadFraction(0.5)
                .instruct(new InstructInput("chat", write("m.jsonl", messages.getBytes(StandardCharsets.UTF_8))
                        .toString(), InstructInput.Format.MESSAGES)).build());
        PrepareStage.run(spark, PrepareSpec.builder(s.toString())
                .instruct(new InstructInput("chat", write("s.jsonl", sharegpt.getBytes(StandardCharsets.UTF_8))
                        .toString(), InstructInput.Format.SHAREGPT)).build());
        assertEquals(2, chat.records());
        PreparedOutput fromShareGpt = PreparedOutput.read(spark, s);
        PreparedOutput fromMessages = PreparedOutput.read(spark, m);
        fromShareGpt.parquet().keySet().removeIf(k -> k.startsWith("quarantine"));
        fromMessages.parquet().keySet().removeIf(k -> k.startsWith("quarantine"));
        PreparedOutput.assertSame(fromShareGpt, fromMessages);
        List<Row> ids = spark.read().parquet(m.resolve("train").toString()).select("id").orderBy("id")
                .collectAsList();
        assertEquals("[[1], [m2]]", ids.toString(), "a record without an id gets its line number");
        List<Row> bad = quarantine(m);
        assertEquals(List.of(3L, 4L), bad.stream().map(r -> r.getLong(1)).sorted().toList());
        assertTrue(bad.stream().anyMatch(r -> r.getString(2).contains("field 'messages[1].weight': only 1")),
                bad::toString);
        assertTrue(bad.stream().anyMatch(r -> r.getString(2).contains("unsupported role 'tool'")), bad::toString);
    }

    @Test
    void huggingFaceParquetFilesGiveWhatTheirJsonlGives() throws Exception {
        String alpacaLines = "{\"instruction\": \"add\", \"input\": \"1 and 2\", \"output\": \"3\"}\n"
                + "{\"instruction\": \"greet\", \"input\": \"\", \"output\": \"hello\"}\n"
                + "{\"instruction\": \"sing\", \"input\": null, \"output\": \"la\"}\n";
        String sharegptLines = "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"},"
                + " {\"from\": \"gpt\", \"value\": \"hello\"}]}\n"
                + "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}]}\n";
        String messagesLines = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"hello\"}]}\n";
        for (var c : List.of(new Object[] {alpacaLines, InstructInput.Format.ALPACA},
                new Object[] {sharegptLines, InstructInput.Format.SHAREGPT},
                new Object[] {messagesLines, InstructInput.Format.MESSAGES})) {
            InstructInput.Format format = (InstructInput.Format) c[1];
            Path jsonl = write(format + ".jsonl", ((String) c[0]).getBytes(StandardCharsets.UTF_8));
            Path parquet = toParquet(jsonl, format + ".parquet");
            Path a = dir.resolve("a-" + format);
            Path b = dir.resolve("b-" + format);
            PrepareStage.run(spark, PrepareSpec.builder(a.toString())
                    .instruct(new InstructInput("d", jsonl.toString(), format)).build());
            Manifest m = PrepareStage.run(spark, PrepareSpec.builder(b.toString())
                    .instruct(new InstructInput("d", parquet.toString(), format)).build());
            assertEquals("parquet", m.sources().get(0).container());
            assertEquals(((String) c[0]).lines().count(), m.records(), format::toString);
            PreparedOutput.assertSame(PreparedOutput.read(spark, a), PreparedOutput.read(spark, b));
        }
    }

    /** The JSONL as one Parquet file, the way a Hugging Face dataset ships it (Spark's JSON reader infers types). */
    private Path toParquet(Path jsonl, String name) throws IOException {
        Path tmp = dir.resolve(name + ".dir");
        spark.read().json(jsonl.toString()).coalesce(1).write().parquet(tmp.toString());
        Path part;
        try (Stream<Path> files = Files.list(tmp)) {
            part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        return Files.move(part, dir.resolve(name));
    }

    @Test
    void directoriesMissingAndEmptyFilesAreToldApart() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("folder"));
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> PrepareStage.run(spark, alpaca(folder, dir.resolve("o1")).build()));
        assertTrue(d.getMessage().startsWith("instruction data alpaca: input file:" + folder + " is a directory"),
                d::getMessage);
        Path missing = dir.resolve("missing.jsonl");
        FileNotFoundException f = assertThrows(FileNotFoundException.class,
                () -> PrepareStage.run(spark, alpaca(missing, dir.resolve("o2")).build()));
        assertEquals("instruction data alpaca: input file:" + missing + " does not exist", f.getMessage());

        Path empty = write("empty.jsonl", new byte[0]);
        Path good = write("good.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n".getBytes(
                StandardCharsets.UTF_8));
        Manifest m = PrepareStage.run(spark, alpaca(good, dir.resolve("o3"))
                .instruct(new InstructInput("empty", empty.toString(), InstructInput.Format.ALPACA)).build());
        Manifest.Source e = m.sources().get(1);
        assertEquals("empty", e.task());
        assertEquals(0, e.bytes());
        assertEquals(0, e.lines());
        assertEquals(0, e.rows());
        assertEquals(1, m.trainRows());
        assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().startsWith(".o")),
                "the failed runs left no hidden output");
    }
}
