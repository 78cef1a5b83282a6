package org.lomospark.trainer.recipe;

import java.io.Serializable;
import java.util.Locale;
import org.lomospark.trainer.optim.LrSchedule;

/**
 * The settings that change the math of training: optimizer and its settings, learning-rate schedule, clipping,
 * accumulation, length and seed. Built by name ({@link #builder()}), never by position.
 *
 * @param warmup linear warmup steps; more than {@code steps} warms up over all of them
 * @param clipNorm global gradient-norm clipping threshold, 0 for none
 * @param clipValue element-wise gradient clipping, 0 for none (LOMO only)
 */
public record HyperParams(Optimizer optimizer, double lr, Schedule schedule, long warmup, double minLr, long steps,
                          int microBatches, double clipNorm, double clipValue, double weightDecay, long seed)
        implements Serializable {

    /** The update rules: two fused into the backward, two full-backward baselines (one device, for comparison). */
    public enum Optimizer {
        LOMO, ADALOMO, SGD, ADAMW;

        /** Whether the update runs inside the backward (LOMO's way) rather than after it. */
        public boolean fused() {
            return this == LOMO || this == ADALOMO;
        }

        public String settingName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optimizer parse(String name) {
            return Settings.choice(Optimizer.class, "optimizer", name);
        }
    }

    /** The learning rate's course over the steps ({@link LrSchedule}). */
    public enum Schedule {
        CONSTANT, LINEAR, COSINE;

        public String settingName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Schedule parse(String name) {
            return Settings.choice(Schedule.class, "schedule", name);
        }
    }

    public HyperParams {
        Settings.require(steps >= 1, "steps", steps, "at least 1");
        Settings.require(microBatches >= 1, "micro-batches", microBatches, "at least 1");
        Settings.require(lr > 0 && Double.isFinite(lr), "lr", lr, "a finite number above 0");
        Settings.require(minLr >= 0 && minLr <= lr, "min-lr", minLr, "in [0, lr = " + lr + "]");
        Settings.require(warmup >= 0, "warmup", warmup, "at least 0");
        Settings.require(clipNorm >= 0 && Double.isFinite(clipNorm), "clip-norm", clipNorm, "finite and >= 0");
        Settings.require(clipValue >= 0 && Double.isFinite(clipValue), "clip-value", clipValue, "finite and >= 0");
        Settings.require(weightDecay >= 0 && weightDecay < 1, "weight-decay", weightDecay, "in [0, 1)");
        Settings.require(seed >= 0, "seed", seed, "at least 0");
        if (schedule == Schedule.CONSTANT && warmup > 0) {
            throw new IllegalArgumentException("schedule constant takes no warmup, but warmup = " + warmup
                    + ": use schedule linear or cosine, or warmup = 0");
        }
        if (clipValue > 0 && optimizer != Optimizer.LOMO) {
            throw new IllegalArgumentException("clip-value " + clipValue + " is LOMO's element-wise clipping, and "
                    + "optimizer is " + optimizer.settingName() + (optimizer == Optimizer.ADALOMO
                    ? " (it clips its own update by RMS)" : "") + ": use clip-norm, or optimizer lomo");
        }
    }

    /** The learning rate per step; the warmup is at most the run's length. */
    public LrSchedule lrSchedule() {
        return LrSchedule.parse(schedule.settingName(), lr, Math.min(warmup, steps), steps, minLr);
    }

    public static Builder builder() {
        return new Builder();
    }


    /** Every field by name; {@link Builder#build()} checks them. */
    public static final class Builder {
        private Optimizer optimizer;
        private double lr;
        private Schedule schedule;
        private long warmup;
        private double minLr;
        private long steps;
        private int microBatches;
        private double clipNorm;
        private double clipValue;
        private double weightDecay;
        private long seed;

        private Builder() {}

        public Builder optimizer(Optimizer v) {
            optimizer = v;
            return this;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder schedule(Schedule v) {
            schedule = v;
            return this;
        }

        public Builder warmup(long v) {
            warmup = v;
            return this;
        }

        public Builder minLr(double v) {
            minLr = v;
            return this;
        }

        public Builder steps(long v) {
            steps = v;
            return this;
        }

        public Builder microBatches(int v) {
            microBatches = v;
            return this;
        }

        public Builder clipNorm(double v) {
            clipNorm = v;
            return this;
        }

        public Builder clipValue(double v) {
            clipValue = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public HyperParams build() {
            return new HyperParams(optimizer, lr, schedule, warmup, minLr, steps, microBatches, clipNorm, clipValue,
                    weightDecay, seed);
        }
    }
}
