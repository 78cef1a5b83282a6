package org.lomospark.trainer.io;

import static org.lomospark.trainer.io.IoTesting.assertRejected;
import static org.lomospark.trainer.io.IoTesting.rawFile;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.tensor.Tensors;

/** Corrupt and hostile files: each is a SafetensorsException naming the file (and tensor), nothing else. */
@ExtendWith(NativeScope.class)
class SafetensorsHostileTest {
    private static final String W = "tensor 'w'";

    @TempDir
    Path dir;

    private Path file(String json, int dataBytes) {
        return rawFile(dir.resolve("bad.safetensors"), json, new byte[dataBytes]);
    }

    /** A header of one tensor 'w' with the given fields. */
    private Path entry(String fields, int dataBytes) {
        return file("{\"w\":{" + fields + "}}", dataBytes);
    }

    /** Opening fails with a SafetensorsException naming the file and every fragment. */
    private static void assertOpenRejected(Path file, String... fragments) {
        Object[] names = new Object[fragments.length + 1];
        names[0] = file;
        System.arraycopy(fragments, 0, names, 1, fragments.length);
        assertRejected(() -> SafetensorsFile.open(file).close(), names);
    }

    @Test
    void emptyFileIsRejected() throws IOException {
        assertOpenRejected(Files.write(dir.resolve("empty.safetensors"), new byte[0]), "0 bytes");
    }

    @Test
    void fiveByteFileIsRejected() throws IOException {
        assertOpenRejected(Files.write(dir.resolve("five.safetensors"), new byte[5]), "5 bytes");
    }

    @Test
    void missingFileIsRejected() {
        assertOpenRejected(dir.resolve("absent.safetensors"), "cannot open");
    }

    @Test
    void zeroHeaderLengthIsRejected() {
        assertOpenRejected(rawFile(dir.resolve("z.safetensors"), 0, new byte[0], new byte[8]), "header length 0");
    }

    @Test
    void headerLengthPastTheEndOfFileIsRejected() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        assertOpenRejected(rawFile(dir.resolve("p.safetensors"), 100, header, new byte[0]), "header length 100");
    }

    @Test
    void absurdHeaderLengthIsRejected() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        assertOpenRejected(rawFile(dir.resolve("a.safetensors"), 1L << 62, header, new byte[0]),
                Long.toString(1L << 62));
        assertOpenRejected(rawFile(dir.resolve("n.safetensors"), -1, header, new byte[0]),
                "18446744073709551615");
        assertOpenRejected(rawFile(dir.resolve("m.safetensors"), SafetensorsHeader.MAX_BYTES + 1, header, new byte[0]),
                "header length");
    }

    @Test
    void headerThatIsNotJsonIsRejected() {
        assertOpenRejected(file("{\"w\": ", 0), "not valid JSON");
        assertOpenRejected(file("{} trailing", 0), "not valid JSON");
    }

    @Test
    void headerThatIsNotAnObjectIsRejected() {
        assertOpenRejected(file("[1, 2]", 0), "not a JSON object");
        assertOpenRejected(file("        ", 0), "not a JSON object");
    }

    @Test
    void headerOfInvalidUtf8IsRejected() {
        byte[] header = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '{', '}', '}'};
        assertOpenRejected(rawFile(dir.resolve("u.safetensors"), header.length, header, new byte[0]), "UTF-8");
    }

    @Test
    void unknownDtypeIsRejectedByName() {
        assertOpenRejected(entry("\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]", 1), W, "F8_E4M3");
        assertOpenRejected(entry("\"dtype\":\"FOO\",\"shape\":[1],\"data_offsets\":[0,1]", 1), W, "FOO");
        assertOpenRejected(entry("\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]", 4), W, "dtype 4");
    }

    @Test
    void missingFieldIsRejectedByName() {
        assertOpenRejected(entry("\"shape\":[1],\"data_offsets\":[0,4]", 4), W, "'dtype'");
        assertOpenRejected(entry("\"dtype\":\"F32\",\"data_offsets\":[0,4]", 4), W, "'shape'");
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":[1]", 4), W, "'data_offsets'");
    }

    @Test
    void unknownFieldIsRejected() {
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1", 4),
                W, "'extra'");
    }

    @Test
    void entryThatIsNotAnObjectIsRejected() {
        assertOpenRejected(file("{\"w\":[1]}", 0), W, "not a JSON object");
    }

    @Test
    void negativeOrFractionalShapeIsRejected() {
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]", 0), W, "-1");
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]", 4), W, "1.5");
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":7,\"data_offsets\":[0,28]", 28), W, "not an array");
    }

    @Test
    void shapeThatOverflowsIsRejected() {
        long big = 1L << 40;
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":[" + big + "," + big + "],\"data_offsets\":[0,0]", 0),
                W, "2^63");
        assertOpenRejected(entry("\"dtype\":\"U8\",\"shape\":[1180591620717411303424],\"data_offsets\":[0,0]", 0),
                W, "1180591620717411303424");
    }

    @Test
    void aTensorLargerThanTheHostIsRejectedNamingFileAndTensor() throws IOException {
        long numel = 1L << 40; // F32: 4 TiB, more than any machine this runs on has in memory and swap
        byte[] header = ("{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[" + numel
                + "],\"data_offsets\":[0," + numel * 4 + "]}}").getBytes(StandardCharsets.UTF_8);
        Path file = rawFile(dir.resolve("huge.safetensors"), header.length, header, new byte[0]);
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(8 + header.length + numel * 4); // a hole: no disk used
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertRejected(() -> f.read("model.embed_tokens.weight").close(), file,
                    "tensor 'model.embed_tokens.weight'", "shape [1099511627776] of F32 is 4398046511104 bytes",
                    "more than this host's memory");
            assertRejected(() -> f.readSlice("model.embed_tokens.weight", 0, 0, numel / 2).close(), file,
                    "tensor 'model.embed_tokens.weight'", "2199023255552 bytes");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void offsetsBeginAfterEndAreRejected() {
        assertOpenRejected(entry("\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]", 4), W, "[4, 0)");
    }

    @Test
    void offsetsOutOfRangeAreRejected() {
        assertOpenRejected(entry("\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]", 4), W, "[4, 8)", "4 bytes");
        assertOpenRejected(entry("\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4,8]", 8), W, "[0, 4, 8]");
        assertOpenRejected(entry("\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[-4,0]", 4), W, "-4");
    }

    @Test
    void truncatedDataIsRejected() {
        assertOpenRejected(entry("\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]", 10), W, "[0, 16)");
    }

    @Test
    void overlappingTensorsAreRejected() {
        Path file = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertOpenRejected(file, "tensor 'b'", "overlap", "'a'");
    }

    @Test
    void shapeThatDisagreesWithByteCountIsRejected() {
        Path file = rawFile(dir.resolve("model.safetensors"), "{\"model.embed_tokens.weight\":"
                + "{\"dtype\":\"F32\",\"shape\":[10,4],\"data_offsets\":[0,100]}}", new byte[100]);
        assertOpenRejected(file, "tensor 'model.embed_tokens.weight': data_offsets [0, 100) hold 100 bytes"
                + " but shape [10, 4] of F32 needs 160");
    }

    @Test
    void duplicateTensorNamesAreRejected() {
        String w = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
        assertOpenRejected(file("{\"w\":" + w + ",\"w\":" + w + "}", 1), "not valid JSON", "'w'");
    }

    @Test
    void metadataThatIsNotStringToStringIsRejected() {
        assertOpenRejected(file("{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", 0), "__metadata__", "'step'");
        assertOpenRejected(file("{\"__metadata__\":[\"pt\"]}", 0), "__metadata__", "not a JSON object");
    }

    @Test
    void fileTruncatedAfterOpenFailsTheReadNotTheJvm() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensors.fromFloats(new float[] {1, 2, 3, 4}, 2, 2)), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(Files.size(file) - 2);
            }
            assertRejected(() -> f.read("w"), file, "tensor 'w'", "file ends");
            assertRejected(() -> f.readSlice("w", 1, 1, 2), file, "tensor 'w'", "file ends");
        }
    }

    @Test
    void unknownTensorNameIsRejectedNamingIt() {
        Path file = file("{}", 0);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertRejected(() -> f.info("nope"), file, "tensor 'nope'");
            assertRejected(() -> f.read("nope"), file, "tensor 'nope'");
        }
    }

    @Test
    void readAfterCloseIsRejected() {
        Path file = dir.resolve("c.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensors.fromFloats(new float[] {1}, 1)), Map.of());
        SafetensorsFile f = SafetensorsFile.open(file);
        f.close();
        assertRejected(() -> f.read("w"), file, "tensor 'w'");
    }
}
