package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.lomospark.datasets.superglue.Split;
import org.lomospark.datasets.superglue.SuperGlueTask;
import org.lomospark.datasets.tokenize.ByteLevelBpe;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * PrepareJob with input and output on {@code s3a://}, against S3Proxy (in-memory jclouds store) in a child JVM
 * on 127.0.0.1; the same job on local files is the reference.
 */
class PrepareJobS3Test {
    private static final List<SuperGlueTask> TASKS = List.of(SuperGlueTask.BOOLQ, SuperGlueTask.RTE);
    private static final List<Split> SPLITS = List.of(Split.values());
    private static final String BUCKET = "lomo";
    // dummy credentials, known only to this test and its S3Proxy
    private static final String ACCESS_KEY = "lomo-test-access";
    private static final String SECRET_KEY = "lomo-test-secret";

    private static Process s3proxy;
    private static SparkSession spark;
    private static FileSystem s3;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        Path jar = Path.of(System.getProperty("s3proxy.jar"));
        Path properties = Files.writeString(dir.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=transient"));
        s3proxy = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true)
                .redirectOutput(jar.resolveSibling("s3proxy.log").toFile())
                .start();
        awaitListening(port);

        try (S3Client client = S3Client.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                        SECRET_KEY)))
                .build()) {
            client.createBucket(b -> b.bucket(BUCKET));
        }

        spark = SparkSession.builder()
                .master("local[2]")
                .appName("PrepareJobS3Test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.hadoop.fs.s3a.endpoint", endpoint)
                .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
                .config("spark.hadoop.fs.s3a.path.style.access", "true")
                .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
                .config("spark.hadoop.fs.s3a.access.key", ACCESS_KEY)
                .config("spark.hadoop.fs.s3a.secret.key", SECRET_KEY)
                .config("spark.hadoop.fs.s3a.aws.credentials.provider",
                        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
                .getOrCreate();
        s3 = FileSystem.get(URI.create("s3a://" + BUCKET + "/"), spark.sparkContext().hadoopConfiguration());
        for (SuperGlueTask task : TASKS) {
            for (Split split : SPLITS) {
                s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(Path.of(samples(), task.dirName(),
                        split.fileName()).toUri()), s3a("superglue/" + task.dirName() + "/" + split.fileName()));
            }
        }
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                if (!s3proxy.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start on port " + port
                            + "; see target/s3proxy/s3proxy.log", notYet);
                }
                Thread.sleep(100);
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
            if (s3proxy != null) {
                s3proxy.destroy();
                if (!s3proxy.waitFor(10, TimeUnit.SECONDS)) {
                    s3proxy.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static String samples() throws Exception {
        return Path.of(PrepareJobS3Test.class.getResource("/samples/superglue").toURI()).toString();
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
                        .map(s -> new Manifest.Source(s.task(), s.split(), "", s.bytes(), s.lines(), s.records(),
                                s.bad(), s.skipped(), s.truncated(), s.rows(), s.tokens(), s.longestRow()))
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
        Manifest expected = PrepareJob.run(spark, spec(samples(), local, TASKS));
        Manifest m = PrepareJob.run(spark, spec(s3a("superglue").toString(), out, TASKS));

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
        assertEquals(stored, PrepareJob.run(spark, spec(s3a("superglue").toString(), out,
                List.of(SuperGlueTask.RTE))));
        assertEquals(before, listing(out));
    }

    @Test
    void tokenizerAndInstructionDataComeFromS3Too() throws Exception {
        Path tokenizer = ByteLevelBpe.write(dir.resolve("tokenizer"));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(tokenizer.resolve(f).toUri()), s3a("tok/" + f));
        }
        Path alpaca = Path.of(PrepareJobS3Test.class.getResource("/samples/instruct/alpaca.json").toURI());
        s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(alpaca.toUri()), s3a("instruct/alpaca.json"));

        String local = dir.resolve("local-hf").toString();
        String out = s3a("prepared-hf").toString();
        Manifest expected = PrepareJob.run(spark, PrepareSpec.builder(local)
                .instruct(new InstructInput("alpaca", alpaca.toString(), InstructInput.Format.ALPACA))
                .tokenizer(TokenizerSpec.parse(tokenizer.toString())).pack(256).maxLength(256).build());
        Manifest m = PrepareJob.run(spark, PrepareSpec.builder(out)
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
