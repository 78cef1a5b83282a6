package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.lomospark.trainer.io.IoTesting.assertRejected;
import static org.lomospark.trainer.io.IoTesting.random;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.lomospark.trainer.tensor.Tensors;

@ExtendWith(NativeScope.class)
class SafetensorsSliceTest {
    @TempDir
    Path dir;

    /** Writes {@code t} alone, reads the slice back and compares it byte for byte with narrow(). */
    private void assertSliceEqualsNarrow(Tensor t, int dim, long from, long to) {
        Path file = dir.resolve("s.safetensors");
        SafetensorsWriter.write(file, Map.of("t", t), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor slice = f.readSlice("t", dim, from, to);
            Tensor expected = t.narrow(dim, from, to - from);
            assertArrayEquals(Tensors.shape(expected), Tensors.shape(slice));
            assertArrayEquals(IoTesting.bytes(expected), IoTesting.bytes(slice));
        }
    }

    @Test
    void rowSliceEqualsNarrowOfTheFullTensor() {
        assertSliceEqualsNarrow(random(DType.F32, 1, 6, 4), 0, 2, 5);
    }

    @Test
    void columnSliceEqualsNarrowOfTheFullTensor() {
        assertSliceEqualsNarrow(random(DType.BF16, 2, 5, 8), 1, 3, 7);
    }

    @Test
    void middleDimSliceOf3dTensorEqualsNarrow() {
        assertSliceEqualsNarrow(random(DType.I32, 3, 3, 5, 4), 1, 1, 4);
    }

    @Test
    void lastDimSliceOf3dTensorEqualsNarrow() {
        assertSliceEqualsNarrow(random(DType.U8, 4, 2, 3, 7), 2, 0, 3);
    }

    @Test
    void fullRangeSliceEqualsTheWholeTensor() {
        assertSliceEqualsNarrow(random(DType.I64, 5, 4, 3), 1, 0, 3);
    }

    @Test
    void emptySliceHasZeroExtent() {
        assertSliceEqualsNarrow(random(DType.F16, 6, 4, 3), 1, 2, 2);
    }

    @Test
    void rowSliceReadsOnlyItsRows() throws IOException {
        Path file = dir.resolve("rows.safetensors");
        Tensor t = random(DType.F32, 7, 4, 3);
        SafetensorsWriter.write(file, Map.of("t", t), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            // Cut off the last row: a slice of the first two rows never touches those bytes.
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(Files.size(file) - 3 * 4);
            }
            assertArrayEquals(Tensors.toBytes(t.narrow(0, 0, 2)), Tensors.toBytes(f.readSlice("t", 0, 0, 2)));
            assertRejected(() -> f.read("t"), file, "tensor 't'");
        }
    }

    @Test
    void sliceOutsideTheTensorIsRejectedNamingIt() {
        Path file = dir.resolve("b.safetensors");
        SafetensorsWriter.write(file, Map.of("w", random(DType.F32, 0, 4, 3), "s", random(DType.F32, 0)), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertRejected(() -> f.readSlice("w", 2, 0, 1), file, "tensor 'w'", "dim 2");
            assertRejected(() -> f.readSlice("w", -1, 0, 1), file, "tensor 'w'", "dim -1");
            assertRejected(() -> f.readSlice("w", 0, 3, 5), file, "tensor 'w'", "[3, 5)");
            assertRejected(() -> f.readSlice("w", 1, 2, 1), file, "tensor 'w'", "[2, 1)");
            assertRejected(() -> f.readSlice("w", 1, -1, 1), file, "tensor 'w'", "[-1, 1)");
            assertRejected(() -> f.readSlice("s", 0, 0, 1), file, "tensor 's'", "dim 0");
            assertRejected(() -> f.readSlice("nope", 0, 0, 1), file, "tensor 'nope'");
        }
    }
}
