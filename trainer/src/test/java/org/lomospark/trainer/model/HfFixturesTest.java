package org.lomospark.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lomospark.trainer.io.HfCheckpoint;
import org.lomospark.trainer.io.SafetensorsFile;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;
import org.lomospark.trainer.tensor.TorchLoader;

/**
 * Checkpoints written by Hugging Face transformers' own {@code save_pretrained} (random weights, made by
 * {@code src/test/hf-fixtures/make_fixtures.py}; its versions are in each {@code expected.json}), with the logits
 * and the loss transformers computed on fixed tokens: our config reader, loader and forward give the same numbers
 * in fp32, and our export of each model reads back as the same model with the same numbers.
 */
class HfFixturesTest {
    /** fp32 agreement as torch.allclose judges it: |ours - theirs| <= 1e-5 + 1e-5 |theirs| (two BLAS libraries). */
    private static final double TOLERANCE = 1e-5;
    private static final Placement F32 = Placement.cpu(torch.ScalarType.Float);
    @TempDir
    Path dir;

    @BeforeAll
    static void natives() {
        TorchLoader.load(false);
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(HfFixturesTest.class.getResource("/hf/" + name + "/config.json").toURI()).getParent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-rope", "llama-head-dim", "qwen2"})
    void transformersCheckpointsLoadAndComputeWhatTransformersComputed(String name) throws Exception {
        Path from = fixture(name);
        JsonNode expected = new ObjectMapper().readTree(from.resolve("expected.json").toFile());
        LlamaConfig config = LlamaConfig.fromJson(from.resolve("config.json"));
        assertEquals(1, config.tokens().bos());
        assertEquals(List.of(2), config.tokens().eos());
        assertEquals(0, config.tokens().pad());
        JsonNode rows = expected.get("input_ids");
        int batch = rows.size();
        int seq = rows.get(0).size();
        long[] ids = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                ids[b * seq + t] = rows.get(b).get(t).asLong();
            }
        }
        float[] want;
        try (PointerScope scope = new PointerScope(); SafetensorsFile f = SafetensorsFile.open(
                from.resolve("expected.safetensors"))) {
            want = Tensors.toFloats(f.read("logits"));
        }
        Outputs ours = forward(config, from, ids, batch, seq);
        assertClose(name + " logits", want, ours.logits());
        assertEquals(expected.get("loss").asDouble(), ours.loss(), TOLERANCE, name + " loss");

        // our export (config.json, generation_config.json, safetensors) reads back as the same model
        Path exported = dir.resolve(name);
        Files.createDirectories(exported);
        try (PointerScope scope = new PointerScope(); HfCheckpoint ckpt = HfCheckpoint.open(from);
             LlamaModel m = LlamaModel.load(config, F32, ckpt::read)) {
            config.writeTo(exported, "float32");
            HfCheckpoint.save(exported, m.namedParameters(), 1L << 30);
        }
        LlamaConfig back = LlamaConfig.fromJson(exported.resolve("config.json"));
        assertEquals(config, back);
        assertTrue(Files.readString(exported.resolve(LlamaConfig.GENERATION_CONFIG)).contains("\"eos_token_id\" : 2"));
        Outputs again = forward(back, exported, ids, batch, seq);
        assertArrayEquals(ours.logits(), again.logits(), name + " logits after our export");
        assertEquals(ours.loss(), again.loss(), 0.0, name + " loss after our export");
    }

    private record Outputs(float[] logits, double loss) {}

    /** Logits of every position and the mean next-token loss, as transformers' {@code labels=input_ids} does. */
    private static Outputs forward(LlamaConfig config, Path checkpoint, long[] ids, int batch, int seq) {
        try (PointerScope scope = new PointerScope(); HfCheckpoint ckpt = HfCheckpoint.open(checkpoint);
             LlamaModel m = LlamaModel.load(config, F32, ckpt::read)) {
            Tensor input = Tensors.fromLongs(ids, batch, seq);
            Tensor h = m.hidden(input, null);
            float[] logits = Tensors.toFloats(m.head().logits(h));
            Tensor sum = m.head().lossSum(h.narrow(1, 0, seq - 1).contiguous(),
                    input.narrow(1, 1, seq - 1).contiguous());
            return new Outputs(logits, Tensors.item(sum) / (batch * (seq - 1.0)));
        }
    }

    private static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + ": sizes");
        double worst = 0;
        int at = 0;
        for (int i = 0; i < want.length; i++) {
            double excess = Math.abs(want[i] - got[i]) / (TOLERANCE + TOLERANCE * Math.abs(want[i]));
            if (excess > worst) {
                worst = excess;
                at = i;
            }
        }
        assertTrue(worst <= 1, String.format(Locale.ROOT, "%s: |diff| %.3g at %d (%f vs %f), over 1e-5 + 1e-5 |x|",
                what, Math.abs(want[at] - got[at]), at, want[at], got[at]));
    }
}
