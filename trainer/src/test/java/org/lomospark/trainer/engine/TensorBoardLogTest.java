package org.lomospark.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TensorBoard events files as the format defines them, read back frame by frame. */
class TensorBoardLogTest {
    @TempDir
    Path dir;

    @Test
    void theChecksumIsTfRecordsMaskedCrc32c() {
        // CRC-32C of "123456789" is 0xE3069283 (the algorithm's check value); masked: rotated right 15, + 0xa282ead8
        assertEquals(0xc78ab0e5, TensorBoardLog.maskedCrc("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
    }

    @Test
    void stepsBecomeScalarsAfterTheVersionAndTheHyperParameters() throws IOException {
        Map<String, Object> hparams = new LinkedHashMap<>();
        hparams.put("optimizer", "lomo");
        hparams.put("lr", 0.5);
        hparams.put("steps", 3L);
        hparams.put("offload", false);
        Path file;
        try (TensorBoardLog tb = TensorBoardLog.open(dir.resolve("tensorboard"), hparams)) {
            tb.step("{\"step\":1,\"loss\":5.5,\"lr\":0.25,\"tokens\":100,\"skipped\":false,\"grad_norm\":4.0,"
                    + "\"loss_scale\":1.0,\"elapsed_s\":0.5}");
            tb.step("{\"step\":2,\"loss\":4.25,\"lr\":0.5,\"tokens\":120,\"skipped\":false,\"grad_norm\":null,"
                    + "\"loss_scale\":1.0,\"elapsed_s\":0.9,\"val_loss\":4.5,\"gpu_peak_gib\":13.57}");
            // a resumed attempt: its clock starts again
            tb.step("{\"step\":2,\"loss\":4.0,\"lr\":0.5,\"tokens\":120,\"elapsed_s\":0.3}");
            file = tb.file();
        }
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."), file.toString());
        List<TensorBoardLog.Event> events = TensorBoardLog.read(file);
        assertEquals(5, events.size());
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        TensorBoardLog.Event h = events.get(1);
        assertEquals("hparams", h.plugins().get(TensorBoardLog.HPARAMS_TAG));
        assertEquals(Map.of("optimizer", "lomo", "lr", 0.5, "steps", 3.0, "offload", false), h.hparams());

        TensorBoardLog.Event s1 = events.get(2);
        assertEquals(1, s1.step());
        assertEquals(Map.of("train/loss", 5.5f, "train/lr", 0.25f, "train/grad_norm", 4.0f,
                TensorBoardLog.TOKENS_PER_S, 200.0f), s1.scalars());
        TensorBoardLog.Event s2 = events.get(3);
        assertEquals(2, s2.step());
        assertEquals(4.5f, s2.scalars().get("val/loss"));
        assertEquals(13.57f, s2.scalars().get("gpu/peak_gib"));
        assertNull(s2.scalars().get("train/grad_norm"), "no gradient norm that step");
        assertEquals(120 / 0.4, s2.scalars().get(TensorBoardLog.TOKENS_PER_S), 1e-3);
        assertEquals(120 / 0.3, events.get(4).scalars().get(TensorBoardLog.TOKENS_PER_S), 1e-3);
        assertTrue(events.get(4).wallTime() >= events.get(0).wallTime() - 1);
    }

    @Test
    void aDamagedOrCutFileIsRefusedNamingWhere() throws IOException {
        Path file;
        try (TensorBoardLog tb = TensorBoardLog.open(dir, Map.of("lr", 0.5))) {
            tb.step("{\"step\":1,\"loss\":5.5,\"tokens\":10,\"elapsed_s\":0.1}");
            file = tb.file();
        }
        byte[] bytes = Files.readAllBytes(file);
        byte[] damaged = bytes.clone();
        damaged[bytes.length - 6] ^= 1; // inside the last event
        Files.write(dir.resolve("damaged"), damaged);
        IOException bad = assertThrows(IOException.class, () -> TensorBoardLog.read(dir.resolve("damaged")));
        assertTrue(bad.getMessage().contains("damaged at byte ") && bad.getMessage().contains("checksum"),
                bad.getMessage());
        Files.write(dir.resolve("cut"), java.util.Arrays.copyOf(bytes, bytes.length - 3));
        IOException cut = assertThrows(IOException.class, () -> TensorBoardLog.read(dir.resolve("cut")));
        assertTrue(cut.getMessage().contains("cut at byte "), cut.getMessage());
    }
}
