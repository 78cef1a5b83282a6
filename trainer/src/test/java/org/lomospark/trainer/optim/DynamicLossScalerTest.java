package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.lomospark.trainer.tensor.Tensors;

@SuppressWarnings("try") // a PointerScope frees the test's tensors by being open
class DynamicLossScalerTest {

    @Test
    void overflowHalvesTheScaleAndSkipsTheStep() {
        var scaler = new DynamicLossScaler(65536, 2, 1000, 1);
        assertFalse(scaler.update(true));
        assertEquals(32768, scaler.scale());
        assertFalse(scaler.update(true));
        assertEquals(16384, scaler.scale());
    }

    @Test
    void scaleRecoversAfterAWindowOfCleanSteps() {
        var scaler = new DynamicLossScaler(1024, 2, 3, 1);
        scaler.update(true);
        assertEquals(512, scaler.scale());
        assertTrue(scaler.update(false));
        assertTrue(scaler.update(false));
        assertEquals(512, scaler.scale());
        assertTrue(scaler.update(false));
        assertEquals(1024, scaler.scale());
        assertEquals(new DynamicLossScaler.State(1024, 0), scaler.state());
    }

    @Test
    void overflowRestartsTheCleanCount() {
        var scaler = new DynamicLossScaler(1024, 2, 3, 1);
        scaler.update(false);
        scaler.update(false);
        scaler.update(true);
        scaler.update(false);
        scaler.update(false);
        assertEquals(512, scaler.scale(), "two clean steps after the overflow are not a window yet");
        scaler.update(false);
        assertEquals(1024, scaler.scale());
    }

    @Test
    void scaleNeverDropsBelowMinScale() {
        var scaler = new DynamicLossScaler(4, 2, 1000, 2);
        scaler.update(true);
        scaler.update(true);
        scaler.update(true);
        assertEquals(2, scaler.scale());
    }

    @Test
    void stateRestoresScaleAndCleanCount() {
        var scaler = new DynamicLossScaler(1024, 2, 3, 1);
        scaler.update(true);
        scaler.update(false);
        scaler.update(false);
        var restored = new DynamicLossScaler(65536, 2, 3, 1);
        restored.restore(scaler.state());
        assertEquals(new DynamicLossScaler.State(512, 2), restored.state());
        restored.update(false);
        assertEquals(1024, restored.scale(), "the restored count completes the window");
        TestData.assertFailsNaming(() -> restored.restore(new DynamicLossScaler.State(512, 3)), "cleanSteps", "window");
        TestData.assertFailsNaming(() -> restored.restore(new DynamicLossScaler.State(0.5, 0)), "scale", "minScale");
    }

    @Test
    void badSettingsFailWithMessagesNamingThem() {
        TestData.assertFailsNaming(() -> new DynamicLossScaler(65536, 1, 1000, 1), "factor");
        TestData.assertFailsNaming(() -> new DynamicLossScaler(65536, 2, 0, 1), "window");
        TestData.assertFailsNaming(() -> new DynamicLossScaler(0.5, 2, 1000, 1), "initScale", "minScale");
    }

    @Test
    void hasInfOrNanFindsInfNegativeInfAndNanButNotLargeFiniteValues() {
        try (PointerScope scope = new PointerScope()) {
            float[] finite = {1f, -3e38f, 0f, Float.MIN_VALUE};
            assertFalse(DynamicLossScaler.hasInfOrNan(Tensors.fromFloats(finite, 2, 2)));
            for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
                float[] values = finite.clone();
                values[3] = bad;
                assertTrue(DynamicLossScaler.hasInfOrNan(Tensors.fromFloats(values, 2, 2)), "with " + bad);
            }
            float[] overflowsInF16 = {70000f, 1f};
            assertTrue(DynamicLossScaler.hasInfOrNan(Tensors.fromFloats(overflowsInF16, 2).to(ScalarType.Half)));
        }
    }
}
