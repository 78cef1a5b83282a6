package org.lomospark.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.datasets.testing.LocalSpark;

/** The train Parquet part encoded by hand, read back by Spark's two Parquet readers and by parquet-mr's footer. */
class TrainParquetTest {
    private static final Configuration CONF = new Configuration();
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("TrainParquetTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** One train row as written. */
    private record Written(String task, String id, int[] tokens, boolean[] mask, int[] segments) {
        String expected() {
            List<Boolean> m = new ArrayList<>();
            for (boolean b : mask) {
                m.add(b);
            }
            return String.join("|", task, id, Arrays.stream(tokens).boxed().toList().toString(), m.toString(),
                    Integer.toString(tokens.length), Arrays.stream(segments).boxed().toList().toString());
        }
    }

    private static String read(Row r) {
        return String.join("|", r.getString(0), r.getString(1), r.getList(2).toString(), r.getList(3).toString(),
                Integer.toString(r.getInt(4)), r.getList(5).toString());
    }

    /**
     * Rows of every shape: long and short, one token, none, a mask in runs and one that flips every token, one
     * segment and many; lengths that are not multiples of 8 so the mask bits straddle bytes and pages.
     */
    private static List<Written> rows(int count, long seed) {
        Random random = new Random(seed);
        List<Written> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = switch (i % 7) {
                case 0 -> 1;
                case 1 -> 0;
                case 2 -> 3000 + random.nextInt(1000);
                default -> 1 + random.nextInt(700);
            };
            int[] tokens = random.ints(n, 0, 32_000).toArray();
            boolean[] mask = new boolean[n];
            boolean flips = i % 5 == 0;
            int answer = n == 0 ? 0 : random.nextInt(n);
            for (int j = 0; j < n; j++) {
                mask[j] = flips ? (j + i) % 2 == 0 : j >= answer;
            }
            int[] segments = i % 3 == 0 && n > 4 ? new int[] {0, 1, n / 2, n - 1} : new int[] {0};
            out.add(new Written("task-" + (char) ('a' + i % 3), "row-" + i + "-é", tokens, mask, segments));
        }
        return out;
    }

    private static Path write(Path file, List<Written> rows, CompressionCodecName codec, int pageBytes,
                              long rowGroupBytes) throws Exception {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file.toUri());
        try (TrainShardWriter w = new TrainShardWriter(FileSystem.getLocal(CONF),
                new org.apache.hadoop.fs.Path(file.toUri() + ".arrow"))) {
            for (Written r : rows) {
                w.add(r.task(), r.id(), r.tokens(), r.mask(), r.segments());
            }
            TrainParquet.write(w.parquetRows(), HadoopOutputFile.fromPath(path, CONF), codec, CONF, pageBytes,
                    rowGroupBytes);
        }
        return file;
    }

    private static List<String> readBack(Path file) {
        return spark.read().parquet(file.toString()).collectAsList().stream().map(TrainParquetTest::read).toList();
    }

    @Test
    void everyTablesParquetSchemaIsTheOneSparkWritesInTheLegacyLayout() {
        SQLConf c = new SQLConf();
        c.setConfString("spark.sql.parquet.writeLegacyFormat", "true");
        for (Table t : Table.values()) {
            assertEquals(new SparkToParquetSchemaConverter(c).convert(t.schema), t.parquet(), t.dir);
        }
        assertEquals(Table.TRAIN.parquet(), TrainParquet.SCHEMA);
    }

    @Test
    void anEmptyTableIsOneFileWithItsSchema() throws Exception {
        for (Table t : Table.values()) {
            Path tableDir = dir.resolve("empty-" + t.dir);
            t.writeEmpty(new org.apache.hadoop.fs.Path(tableDir.toUri()), CONF);
            assertEquals(t.schema.asNullable(), spark.read().parquet(tableDir.toString()).schema(), t.dir);
            assertEquals(0, spark.read().parquet(tableDir.toString()).count(), t.dir);
        }
    }

    @Test
    void everyRowReadsBackThroughBothSparkReadersAcrossPagesAndRowGroups() throws Exception {
        List<Written> rows = rows(400, 7);
        // 4 KiB pages and 256 KiB row groups: hundreds of pages, several row groups, rows spanning neither
        Path file = write(dir.resolve("part.parquet"), rows, CompressionCodecName.SNAPPY, 4096, 256 << 10);
        ParquetMetadata footer;
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), CONF))) {
            footer = reader.getFooter();
        }
        assertTrue(footer.getBlocks().size() > 3, () -> footer.getBlocks().size() + " row groups");
        assertEquals(rows.size(), footer.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum());
        // Spark reads every file source as nullable, as it did the parts its own writer made
        assertEquals(Table.TRAIN.schema.asNullable(), spark.read().parquet(file.toString()).schema());

        List<String> expected = rows.stream().map(Written::expected).toList();
        for (String vectorized : List.of("true", "false")) {
            spark.conf().set("spark.sql.parquet.enableVectorizedReader", vectorized);
            try {
                assertEquals(expected, readBack(file), "vectorized reader " + vectorized);
                // the scalar columns' statistics and column index skip pages and row groups; the answer stays
                long longer = rows.stream().filter(r -> r.tokens().length > 2000).count();
                assertEquals(longer, spark.read().parquet(file.toString()).where("length > 2000").count());
                long b = rows.stream().filter(r -> r.task().equals("task-b")).count();
                assertEquals(b, spark.read().parquet(file.toString()).where("task = 'task-b'").count());
                assertEquals(1, spark.read().parquet(file.toString()).where("id = 'row-399-é'").count());
            } finally {
                spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
            }
        }
    }

    @Test
    void everyCodecSparkNamesIsWrittenAndReadBack() throws Exception {
        List<Written> rows = rows(30, 11);
        List<String> expected = rows.stream().map(Written::expected).toList();
        for (String setting : List.of("none", "uncompressed", "snappy", "gzip", "zstd", "lz4_raw", " ZSTD ")) {
            CompressionCodecName codec = TrainParquet.codec(setting, CONF);
            Path file = dir.resolve(TrainParquet.fileName(3, codec).replace(".parquet", "-"
                    + setting.trim() + ".parquet"));
            write(file, rows, codec, TrainParquet.PAGE_BYTES, TrainParquet.ROW_GROUP_BYTES);
            assertEquals(expected, readBack(file), setting);
        }
        assertEquals("part-00003.snappy.parquet", TrainParquet.fileName(3, CompressionCodecName.SNAPPY));
        assertEquals("part-00012.parquet", TrainParquet.fileName(12, CompressionCodecName.UNCOMPRESSED));
    }

    @Test
    void aCodecThatCannotBeUsedFailsOnTheDriverNamingTheSetting() {
        for (String setting : List.of("brotlix", "lzo")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainParquet.codec(setting, CONF));
            assertTrue(e.getMessage().startsWith(TrainParquet.CODEC_SETTING + " '" + setting + "'"),
                    e::getMessage);
        }
    }

    @Test
    void anEmptyPartHasTheSchemaAndNoRows() throws Exception {
        Path file = write(dir.resolve("empty.parquet"), List.of(), CompressionCodecName.SNAPPY,
                TrainParquet.PAGE_BYTES, TrainParquet.ROW_GROUP_BYTES);
        assertEquals(Table.TRAIN.schema.asNullable(), spark.read().parquet(file.toString()).schema());
        assertEquals(List.of(), readBack(file));
    }
}
