package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.LocalSpark;
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.testing.S3ProxyServer;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.ByteLevelBpe;

/**
 * PrepareStage with input and output on {@code s3a://}, against S3Proxy (in-memory jclouds store) in a child JVM
 * on 127.0.0.1; the same job on local files is the reference.
 */
class PrepareStageS3Test {
    private static final List<SuperGlueTask> TASKS = List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE);
    private static final List<Split> SPLITS = List.of(Split.values());
    private static final String BUCKET = "lomo";
    private static S3ProxyServer server;
    private static SparkSession spark;
    private static FileSystem s3;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = S3ProxyServer.start(dir, BUCKET);
        spark = server.configure(LocalSpark.builder("PrepareStageS3Test", "local[2]"))
                .getOrCreate();
        s3 = FileSystem.get(URI.create("s3a://" + BUCKET + "/"), spark.sparkContext().hadoopConfiguration());
        for (SuperGlueTask task : TASKS) {
            for (Split split : SPLITS) {
                s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(Path.of(samples(), task.dirName(),
                        split.fileName()).toUri()), s3a("superglue/" + task.dirName() + "/" + split.fileName()));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (spark != null) {
                spark.stop();
            }
            if (s3 != null) {
                s3.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static String samples() throws Exception {
        return Path.of(PrepareStageS3Test.class.getResource("/samples/superglue").toURI()).toString();
    }

    private static org.apache.hadoop.fs.Path s3a(String key) {
        return new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/" + key);
    }

    private static PrepareSpec spec(String input, String output, List<SuperGlueTask> tasks) {
        return PrepareSpec.builder(output).superGlue(input, tasks, SPLITS).maxBadFraction(0.05).build();
    }

    private static List<String> sortedRows(String out, String table) {
        return spark.read().parquet(out + "/" + table).collectAsList().stream().map(Row::toString).sorted()
                .toList();
    }

    /** The manifest less the input paths, which differ between the two runs by their scheme and root. */
    private static Manifest counts(Manifest m) {
        return new Manifest(m.schemaVersion(), m.tokenizer(), m.tokenizerFingerprint(), m.vocabSize(),
                m.maxLength(), m.packLength(), m.evalBucket(), m.sampling(), m.lines(), m.records(), m.bad(),
                m.skipped(), m.truncated(), m.trainRows(), m.evalRows(), m.totalTokens(), m.longestRow(),
                m.sources().stream()
                        .map(s -> new Manifest.Source(s.task(), s.split(), "", s.bytes(), s.container(),
                                s.compression(), s.splittable(), s.tasks(), s.lines(), s.records(), s.bad(),
                                s.skipped(), s.truncated(), s.rows(), s.tokens(), s.longestRow()))
                        .toList(), m.evalBuckets(), m.shards());
    }

    /** Every object under the output, with its size and time: a rerun that wrote anything changes it. */
    private static List<String> listing(String root) throws IOException {
        List<String> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> files = s3.listFiles(new org.apache.hadoop.fs.Path(root), true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            out.add(f.getPath() + " " + f.getLen() + " " + f.getModificationTime());
        }
        return out;
    }

    @Test
    void s3aInputAndOutputGiveWhatLocalFilesGive() throws Exception {
        String local = dir.resolve("local").toString();
        String out = s3a("prepared").toString();
        Manifest expected = PrepareStage.run(spark, spec(samples(), local, TASKS));
        Manifest m = PrepareStage.run(spark, spec(s3a("superglue").toString(), out, TASKS));

        Manifest stored = Manifest.read(s3, s3a("prepared/" + Manifest.FILE_NAME));
        assertEquals(m, stored);
        assertEquals(counts(expected), counts(stored));
        assertEquals(2 * 22, stored.records());
        assertEquals(TASKS.size() * SPLITS.size(), stored.sources().size());
        stored.sources().forEach(s -> assertTrue(s.path().startsWith("s3a://" + BUCKET + "/superglue/"), s::toString));

        for (String t : List.of("train", "eval", "quarantine")) {
            assertEquals(sortedRows(local, t), sortedRows(out, t), t);
        }
        assertEquals(List.of(), Arrays.stream(s3.listStatus(s3a("")))
                .map(FileStatus::getPath).map(org.apache.hadoop.fs.Path::getName).filter(n -> n.startsWith("."))
                .toList(), "the hidden sibling is gone after the rename");

        // a different spec would change the manifest: only the existing one coming back proves no work was done
        List<String> before = listing(out);
        assertEquals(stored, PrepareStage.run(spark, spec(s3a("superglue").toString(), out,
                List.of(SuperGlueTask.RTE))));
        assertEquals(before, listing(out));
    }

    @Test
    void tokenizerAndInstructionDataComeFromS3Too() throws Exception {
        Path tokenizer = ByteLevelBpe.write(dir.resolve("tokenizer"));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(tokenizer.resolve(f).toUri()), s3a("tok/" + f));
        }
        Path alpaca = Path.of(PrepareStageS3Test.class.getResource("/samples/instruct/alpaca.json").toURI());
        s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(alpaca.toUri()), s3a("instruct/alpaca.json"));

        String local = dir.resolve("local-hf").toString();
        String out = s3a("prepared-hf").toString();
        Manifest expected = PrepareStage.run(spark, PrepareSpec.builder(local)
                .instruct(new InstructInput("alpaca", alpaca.toString(), InstructInput.Format.ALPACA))
                .tokenizer(TokenizerSpec.parse(tokenizer.toString())).pack(256).maxLength(256).build());
        Manifest m = PrepareStage.run(spark, PrepareSpec.builder(out)
                .instruct(new InstructInput("alpaca", s3a("instruct/alpaca.json").toString(),
                        InstructInput.Format.ALPACA))
                .tokenizer(TokenizerSpec.parse(s3a("tok").toString())).pack(256).maxLength(256).build());

        assertTrue(m.tokenizerFingerprint().startsWith("hf-sha256:"), m::tokenizerFingerprint);
        assertEquals(expected.tokenizerFingerprint(), m.tokenizerFingerprint());
        assertEquals(ByteLevelBpe.VOCAB, m.vocabSize());
        assertEquals(counts(expected).sources(), counts(m).sources());
        assertEquals(sortedRows(local, "train"), sortedRows(out, "train"));
    }
}
