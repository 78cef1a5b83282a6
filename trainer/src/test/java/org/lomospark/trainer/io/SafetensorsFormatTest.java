package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lomospark.trainer.io.IoTesting.floatBytes;
import static org.lomospark.trainer.io.IoTesting.rawFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.tensor.Tensors;

/** The on-disk format checked independently of our own reader and writer. */
@ExtendWith(NativeScope.class)
class SafetensorsFormatTest {
    @TempDir
    Path dir;

    @Test
    void readsAHandBuiltFile() {
        // Unpadded header, tensors out of data order, a gap nothing covers: all legal.
        String json = "{\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[20,36]},"
                + "\"__metadata__\":{\"k\":\"v\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-3).putLong(1L << 40);
        byte[] data = new byte[36];
        System.arraycopy(floatBytes(1.5f, -2f, 0.25f, 1e30f), 0, data, 0, 16);
        System.arraycopy(longs.array(), 0, data, 20, 16);
        Path file = rawFile(dir.resolve("hand.safetensors"), json, data);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor w = f.read("w");
            assertArrayEquals(new long[] {2, 2}, Tensors.shape(w));
            assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 1e30f}, Tensors.toFloats(w));
            assertArrayEquals(longs.array(), Tensors.toBytes(f.read("b")));
            assertEquals(Map.of("k", "v"), f.metadata());
            assertEquals("[b, w]", f.names().toString());
        }
    }

    @Test
    void writtenHeaderIsPaddedAndOffsetsRunBackToBack() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("f", Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        tensors.put("u", IoTesting.fromBytes(DType.U8, new byte[] {1, 2, 3, 4, 5}, 5));
        tensors.put("h", IoTesting.fromBytes(DType.BF16, new byte[] {0, 0x3f, (byte) 0x80, 0x3f, 0, 0x40}, 3));
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header length is a multiple of 8");
        assertEquals(8 + n + 24 + 5 + 6, bytes.length);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.stripTrailing().endsWith("}"));
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '),
                "padding is spaces");

        JsonNode root = new ObjectMapper().readTree(header);
        assertEquals("pt", root.get("__metadata__").get("format").asText());
        assertEquals("[\"__metadata__\",\"f\",\"u\",\"h\"]", new ObjectMapper().writeValueAsString(root.fieldNames()));
        assertEquals("{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}", root.get("f").toString());
        assertEquals("{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[24,29]}", root.get("u").toString());
        assertEquals("{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[29,35]}", root.get("h").toString());

        int data = (int) (8 + n);
        assertArrayEquals(floatBytes(1, 2, 3, 4, 5, 6), Arrays.copyOfRange(bytes, data, data + 24));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Arrays.copyOfRange(bytes, data + 24, data + 29));
        assertArrayEquals(new byte[] {0, 0x3f, (byte) 0x80, 0x3f, 0, 0x40},
                Arrays.copyOfRange(bytes, data + 29, data + 35));
    }

    @Test
    void emptyMetadataWritesNoMetadataEntry() throws IOException {
        Path file = dir.resolve("n.safetensors");
        SafetensorsWriter.write(file, Map.of("x", Tensors.fromFloats(new float[] {1}, 1)), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        String header = new String(bytes, 8, bytes.length - 8 - 4, StandardCharsets.UTF_8);
        assertFalse(header.contains("__metadata__"), header);
    }
}
