package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.lomospark.trainer.io.IoTesting.assertRejected;
import static org.lomospark.trainer.io.IoTesting.random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.tensor.Tensors;

@ExtendWith(NativeScope.class)
class HfCheckpointTest {
    private static final String INDEX = "model.safetensors.index.json";

    @TempDir
    Path dir;

    /** {@code count} F32 tensors of 10 elements (40 bytes) each, named t0, t1, ... */
    private static Map<String, Tensor> tensors(int count) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            tensors.put("t" + i, random(DType.F32, i, 2, 5));
        }
        return tensors;
    }

    private List<String> files() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertReadsBack(Path dir, Map<String, Tensor> expected) {
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(ckpt.names()));
            expected.forEach((name, t) -> assertArrayEquals(Tensors.toBytes(t), Tensors.toBytes(ckpt.read(name))));
        }
    }

    private void writeIndex(String weightMapJson) throws IOException {
        Files.writeString(dir.resolve(INDEX),
                "{\"metadata\":{\"total_size\":40},\"weight_map\":" + weightMapJson + "}");
    }

    @Test
    void saveOverTheLimitWritesShardsAndAnIndex() throws IOException {
        Map<String, Tensor> tensors = tensors(5);
        HfCheckpoint.save(dir, tensors, 100); // 40 + 40 fit, a third would not: shards of 2, 2, 1

        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", INDEX), files());
        JsonNode index = new ObjectMapper().readTree(dir.resolve(INDEX).toFile());
        assertEquals(200, index.get("metadata").get("total_size").asLong());
        assertEquals("model-00001-of-00003.safetensors", index.get("weight_map").get("t1").asText());
        assertEquals("model-00002-of-00003.safetensors", index.get("weight_map").get("t2").asText());
        assertEquals("model-00003-of-00003.safetensors", index.get("weight_map").get("t4").asText());
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00002-of-00003.safetensors"))) {
            assertEquals(Map.of("format", "pt"), shard.metadata());
            assertEquals(List.of("t2", "t3"), List.copyOf(shard.names()));
        }
        assertReadsBack(dir, tensors);
    }

    @Test
    void saveUnderTheLimitWritesOneFile() throws IOException {
        Map<String, Tensor> tensors = tensors(3);
        HfCheckpoint.save(dir, tensors, 120);

        assertEquals(List.of("model.safetensors"), files());
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), f.metadata());
        }
        assertReadsBack(dir, tensors);
    }

    @Test
    void tensorLargerThanTheLimitGetsAShardOfItsOwn() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("small", random(DType.U8, 0, 10));
        tensors.put("big", random(DType.F32, 1, 100));
        tensors.put("tail", random(DType.U8, 2, 10));
        HfCheckpoint.save(dir, tensors, 50);

        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                    "model-00003-of-00003.safetensors", INDEX), files());
            assertEquals(new TensorInfo("big", DType.F32, new long[] {100}, 0, 400), ckpt.info("big"));
        }
        assertReadsBack(dir, tensors);
    }

    @Test
    void resavingRemovesShardsOfTheEarlierSave() throws IOException {
        HfCheckpoint.save(dir, tensors(5), 100);
        Files.writeString(dir.resolve("config.json"), "{}");

        Map<String, Tensor> fewer = tensors(4);
        HfCheckpoint.save(dir, fewer, 100);
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                INDEX), files());
        assertReadsBack(dir, fewer);

        Map<String, Tensor> one = tensors(1);
        HfCheckpoint.save(dir, one, 100);
        assertEquals(List.of("config.json", "model.safetensors"), files());
        assertReadsBack(dir, one);

        HfCheckpoint.save(dir, fewer, 100);
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                INDEX), files());
        assertReadsBack(dir, fewer);
    }

    @Test
    void readSliceGoesToTheRightShard() {
        Map<String, Tensor> tensors = tensors(3);
        HfCheckpoint.save(dir, tensors, 40);
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            assertArrayEquals(Tensors.toBytes(tensors.get("t2").narrow(1, 1, 3)),
                    Tensors.toBytes(ckpt.readSlice("t2", 1, 1, 4)));
        }
    }

    @Test
    void unknownTensorIsRejectedNamingTheDirectory() {
        HfCheckpoint.save(dir, tensors(1), 100);
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            assertRejected(() -> ckpt.read("nope"), dir, "tensor 'nope'");
        }
    }

    @Test
    void indexNamingAMissingShardIsRejected() throws IOException {
        writeIndex("{\"t0\":\"model-00001-of-00002.safetensors\"}");
        assertRejected(() -> HfCheckpoint.open(dir), INDEX, "tensor 't0'", "model-00001-of-00002.safetensors",
                "does not exist");
    }

    @Test
    void indexPuttingATensorInTheWrongShardIsRejected() throws IOException {
        SafetensorsWriter.write(dir.resolve("a.safetensors"), tensors(1), Map.of());
        writeIndex("{\"t0\":\"a.safetensors\",\"t9\":\"a.safetensors\"}");
        assertRejected(() -> HfCheckpoint.open(dir), INDEX, "tensor 't9'", "a.safetensors");
    }

    @Test
    void tensorStoredInTwoShardsIsRejected() throws IOException {
        SafetensorsWriter.write(dir.resolve("a.safetensors"), tensors(2), Map.of());
        SafetensorsWriter.write(dir.resolve("b.safetensors"), tensors(1), Map.of());
        writeIndex("{\"t0\":\"b.safetensors\",\"t1\":\"a.safetensors\"}");
        assertRejected(() -> HfCheckpoint.open(dir), INDEX, "tensor 't0'", "a.safetensors", "b.safetensors");
    }

    @Test
    void shardNameOutsideTheDirectoryIsRejected() throws IOException {
        Path inner = Files.createDirectory(dir.resolve("ckpt"));
        SafetensorsWriter.write(dir.resolve("x.safetensors"), tensors(1), Map.of());
        Files.writeString(inner.resolve(INDEX), "{\"weight_map\":{\"t0\":\"../x.safetensors\"}}");
        assertRejected(() -> HfCheckpoint.open(inner), INDEX, "tensor 't0'", "../x.safetensors");
        Files.writeString(inner.resolve(INDEX), "{\"weight_map\":{\"t0\":\"..\"}}");
        assertRejected(() -> HfCheckpoint.open(inner), INDEX, "tensor 't0'", "..");
    }

    @Test
    void malformedIndexIsRejected() throws IOException {
        Files.writeString(dir.resolve(INDEX), "{\"weight_map\":[]}");
        assertRejected(() -> HfCheckpoint.open(dir), INDEX, "weight_map");
        writeIndex("{\"t0\":\"a.safetensors\",\"t0\":\"b.safetensors\"}");
        assertRejected(() -> HfCheckpoint.open(dir), INDEX, "not valid JSON", "t0");
        writeIndex("{\"t0\":3}");
        assertRejected(() -> HfCheckpoint.open(dir), INDEX, "tensor 't0'");
    }

    @Test
    void corruptShardIsRejectedNamingTheShard() throws IOException {
        HfCheckpoint.save(dir, tensors(3), 40);
        Files.write(dir.resolve("model-00002-of-00003.safetensors"), new byte[3]);
        assertRejected(() -> HfCheckpoint.open(dir), "model-00002-of-00003.safetensors", "3 bytes");
    }

    @Test
    void pickleOnlyDirectoryIsRejectedSayingPickleIsNotLoaded() throws IOException {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[16]);
        assertRejected(() -> HfCheckpoint.open(dir), dir, "pytorch_model.bin", "pickle files are not loaded");
    }

    @Test
    void directoryWithoutWeightsIsRejected() {
        assertRejected(() -> HfCheckpoint.open(dir), dir, "model.safetensors");
    }

    @Test
    void nonPositiveShardLimitIsAnIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> HfCheckpoint.save(dir, tensors(1), 0));
    }
}
