package org.lomospark.trainer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The chunking that lets tensors over 2 GiB through int-indexed ByteBuffers, shown on small chunks. */
@ExtendWith(NativeScope.class)
class TensorMemoryTest {

    @Test
    void chunksCoverTheRangeInOrder() throws IOException {
        byte[] bytes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Tensor t = IoTesting.fromBytes(DType.U8, bytes, 10);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        List<Long> starts = new ArrayList<>();
        TensorMemory.chunks(t, 2, 7, 3, (chunk, done) -> {
            starts.add(done);
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            seen.write(b, 0, b.length);
        });
        assertEquals(List.of(0L, 3L, 6L), starts);
        assertArrayEquals(new byte[] {2, 3, 4, 5, 6, 7, 8}, seen.toByteArray());
    }

    @Test
    void chunksWriteThroughToTheTensor() throws IOException {
        Tensor t = IoTesting.fromBytes(DType.U8, new byte[6], 6);
        TensorMemory.chunks(t, 1, 4, 3, (chunk, done) -> {
            while (chunk.hasRemaining()) {
                chunk.put((byte) (10 + done++));
            }
        });
        assertArrayEquals(new byte[] {0, 10, 11, 12, 13, 0}, IoTesting.bytes(t));
    }
}
