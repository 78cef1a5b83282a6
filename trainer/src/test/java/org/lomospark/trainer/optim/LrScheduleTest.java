package org.lomospark.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    private static final double TOLERANCE = 1e-12;

    @Test
    void constantIsPeakAtEveryStep() {
        LrSchedule constant = LrSchedule.parse("constant", 0.03, 0, 100, 0.0);
        assertInstanceOf(LrSchedule.Constant.class, constant);
        assertEquals(0.03, constant.lr(1));
        assertEquals(0.03, constant.lr(100));
        assertEquals(0.03, constant.lr(1_000_000));
    }

    @Test
    void warmupLinearRisesThenFallsLinearlyToMinLrAndStays() {
        LrSchedule linear = LrSchedule.parse("linear", 1.0, 10, 110, 0.1);
        assertInstanceOf(LrSchedule.WarmupLinear.class, linear);
        assertEquals(0.1, linear.lr(1), TOLERANCE);       // 1/10 of peak
        assertEquals(1.0, linear.lr(10), TOLERANCE);      // warmup end: peak
        assertEquals(0.55, linear.lr(60), TOLERANCE);     // half way down
        assertEquals(0.1, linear.lr(110), TOLERANCE);     // total: minLr
        assertEquals(0.1, linear.lr(500), TOLERANCE);     // beyond: flat
    }

    @Test
    void warmupCosineRisesThenFollowsAHalfCosineToMinLrAndStays() {
        LrSchedule cosine = LrSchedule.parse("cosine", 1.0, 10, 110, 0.1);
        assertInstanceOf(LrSchedule.WarmupCosine.class, cosine);
        assertEquals(0.1, cosine.lr(1), TOLERANCE);
        assertEquals(1.0, cosine.lr(10), TOLERANCE);
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), cosine.lr(35), TOLERANCE);
        assertEquals(0.55, cosine.lr(60), TOLERANCE);
        assertEquals(0.1, cosine.lr(110), TOLERANCE);
        assertEquals(0.1, cosine.lr(500), TOLERANCE);
    }

    @Test
    void withoutWarmupTheFirstStepIsAlreadyOnTheWayDown() {
        assertEquals(0.99, new LrSchedule.WarmupLinear(1.0, 0, 100, 0.0).lr(1), TOLERANCE);
    }

    @Test
    void badSettingsFailWithMessagesNamingThem() {
        TestData.assertFailsNaming(() -> new LrSchedule.WarmupLinear(1.0, 200, 100, 0.0), "warmupSteps", "totalSteps");
        TestData.assertFailsNaming(() -> new LrSchedule.WarmupCosine(1.0, 10, 100, 2.0), "minLr", "peak");
        TestData.assertFailsNaming(() -> new LrSchedule.WarmupCosine(1.0, 0, 0, 0.0), "totalSteps");
        TestData.assertFailsNaming(() -> new LrSchedule.Constant(-1.0), "peak");
        TestData.assertFailsNaming(() -> LrSchedule.parse("step", 1.0, 0, 100, 0.0), "\"step\"", "constant", "linear", "cosine");
        TestData.assertFailsNaming(() -> LrSchedule.parse("constant", 1.0, 10, 100, 0.0), "constant", "warmupSteps");
        TestData.assertFailsNaming(() -> new LrSchedule.Constant(1.0).lr(0), "step");
    }
}
