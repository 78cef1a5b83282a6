package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.lomospark.trainer.io.IoTesting.assertRejected;
import static org.lomospark.trainer.io.IoTesting.random;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.tensor.Tensors;

@ExtendWith(NativeScope.class)
class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyDtypeRoundTripsBitExactly() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (DType d : DType.values()) {
            tensors.put("t." + d, random(d, d.ordinal(), 3, 5));
        }
        Path file = dir.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (DType d : DType.values()) {
                Tensor back = f.read("t." + d);
                assertEquals(d, DType.of(back.scalar_type()));
                assertArrayEquals(new long[] {3, 5}, Tensors.shape(back));
                assertArrayEquals(Tensors.toBytes(tensors.get("t." + d)), Tensors.toBytes(back), d.name());
                assertEquals(d, f.info("t." + d).dtype());
            }
        }
    }

    @Test
    void scalarAndZeroSizeTensorsRoundTrip() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("scalar", Tensors.fromFloats(new float[] {2.5f}));
        tensors.put("empty", random(DType.F32, 0, 0));
        tensors.put("empty3d", random(DType.BF16, 1, 3, 0, 2));
        tensors.put("after", random(DType.I64, 2, 2));
        Path file = dir.resolve("edge.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor scalar = f.read("scalar");
            assertEquals(0, scalar.dim());
            assertEquals(2.5, Tensors.item(scalar));
            assertArrayEquals(new long[] {0}, Tensors.shape(f.read("empty")));
            assertArrayEquals(new long[] {3, 0, 2}, Tensors.shape(f.read("empty3d")));
            assertEquals(new TensorInfo("empty3d", DType.BF16, new long[] {3, 0, 2}, 4, 4), f.info("empty3d"));
            assertArrayEquals(Tensors.toBytes(tensors.get("after")), Tensors.toBytes(f.read("after")));
        }
    }

    @Test
    void metadataRoundTripsAndNamesKeepMapOrder() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : List.of("z", "a", "m")) {
            tensors.put(name, random(DType.F32, 0, 2));
        }
        Map<String, String> metadata = Map.of("format", "pt", "note", "ünïcode ✓");
        Path file = dir.resolve("meta.safetensors");
        SafetensorsWriter.write(file, tensors, metadata);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(metadata, f.metadata());
            assertEquals(List.of("z", "a", "m"), List.copyOf(f.names()));
        }
    }

    @Test
    void nonContiguousTensorIsWrittenInLogicalOrder() {
        Tensor matrix = Tensors.fromFloats(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, Map.of("t", matrix.t()), Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, Tensors.toFloats(f.read("t")));
        }
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensors.fromFloats(new float[] {1}, 1)), Map.of());
        SafetensorsWriter.write(file, Map.of("w", Tensors.fromFloats(new float[] {2, 3}, 2)), Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {2, 3}, Tensors.toFloats(f.read("w")));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void unsupportedDtypeIsRejectedBeforeAnyFileIsCreated() throws IOException {
        Tensor doubles = Tensors.fromFloats(new float[] {1}, 1).to(torch.ScalarType.Double);
        Path file = dir.resolve("d.safetensors");
        assertRejected(() -> SafetensorsWriter.write(file, Map.of("d", doubles), Map.of()),
                file, "tensor 'd'", "Double");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void tensorNamedLikeTheMetadataEntryIsRejected() {
        Path file = dir.resolve("m.safetensors");
        assertRejected(() -> SafetensorsWriter.write(file,
                Map.of("__metadata__", Tensors.fromFloats(new float[] {1}, 1)), Map.of()), file, "__metadata__");
        assertFalse(Files.exists(file));
    }
}
