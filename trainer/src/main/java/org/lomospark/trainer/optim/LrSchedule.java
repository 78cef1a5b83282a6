package org.lomospark.trainer.optim;

import java.util.function.DoubleUnaryOperator;

/**
 * Learning rate per step. The warmup schedules rise linearly from 0 ({@code peak * step / warmupSteps}), reach
 * {@code peak} at {@code warmupSteps}, fall to {@code minLr} at {@code totalSteps} and stay there.
 *
 * <pre>{@code
 * LrSchedule schedule = LrSchedule.parse("cosine", 3e-2, 100, 1000, 0.0);
 * double lr = schedule.lr(step);   // step is 1-based
 * }</pre>
 */
public sealed interface LrSchedule permits LrSchedule.Constant, LrSchedule.WarmupLinear, LrSchedule.WarmupCosine {

    /** The learning rate of a 1-based step. */
    double lr(long step);

    /** The same rate at every step. */
    record Constant(double peak) implements LrSchedule {
        public Constant {
            requireRate("Constant.peak", peak);
        }

        @Override
        public double lr(long step) {
            requireStep(step);
            return peak;
        }
    }

    /** Linear warmup, then a linear fall to {@code minLr}. */
    record WarmupLinear(double peak, long warmupSteps, long totalSteps, double minLr) implements LrSchedule {
        public WarmupLinear {
            requireWarmupAndDecay("WarmupLinear", peak, warmupSteps, totalSteps, minLr);
        }

        @Override
        public double lr(long step) {
            return warmupThenFall(step, peak, warmupSteps, totalSteps, minLr, progress -> 1 - progress);
        }
    }

    /** Linear warmup, then a half cosine down to {@code minLr}. */
    record WarmupCosine(double peak, long warmupSteps, long totalSteps, double minLr) implements LrSchedule {
        public WarmupCosine {
            requireWarmupAndDecay("WarmupCosine", peak, warmupSteps, totalSteps, minLr);
        }

        @Override
        public double lr(long step) {
            return warmupThenFall(step, peak, warmupSteps, totalSteps, minLr,
                    progress -> 0.5 * (1 + Math.cos(Math.PI * progress)));
        }
    }

    /**
     * The schedule a configuration names: "constant", "linear" or "cosine". A constant schedule ignores
     * {@code totalSteps} and {@code minLr}, and takes no warmup.
     */
    static LrSchedule parse(String kind, double peak, long warmupSteps, long totalSteps, double minLr) {
        return switch (kind) {
            case "constant" -> {
                if (warmupSteps != 0) {
                    throw new IllegalArgumentException("lr schedule \"constant\" has no warmup, but warmupSteps = "
                            + warmupSteps + ": use \"linear\" or \"cosine\", or warmupSteps = 0");
                }
                yield new Constant(peak);
            }
            case "linear" -> new WarmupLinear(peak, warmupSteps, totalSteps, minLr);
            case "cosine" -> new WarmupCosine(peak, warmupSteps, totalSteps, minLr);
            default -> throw new IllegalArgumentException(
                    "unknown lr schedule \"" + kind + "\": choose \"constant\", \"linear\" or \"cosine\"");
        };
    }

    /** Warmup, then {@code minLr + (peak - minLr) * fall(progress)} with progress going 0 -> 1 over the decay. */
    private static double warmupThenFall(long step, double peak, long warmupSteps, long totalSteps, double minLr,
            DoubleUnaryOperator fall) {
        requireStep(step);
        if (step <= warmupSteps) {
            return peak * step / warmupSteps;
        }
        if (step >= totalSteps) {
            return minLr;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + (peak - minLr) * fall.applyAsDouble(progress);
    }

    private static void requireWarmupAndDecay(String schedule, double peak, long warmupSteps, long totalSteps,
            double minLr) {
        requireRate(schedule + ".peak", peak);
        requireRate(schedule + ".minLr", minLr);
        if (totalSteps < 1) {
            throw new IllegalArgumentException(schedule + ".totalSteps must be >= 1, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(schedule + ".warmupSteps must be in [0, totalSteps = " + totalSteps
                    + "], got " + warmupSteps);
        }
        if (minLr > peak) {
            throw new IllegalArgumentException(schedule + ".minLr = " + minLr + " exceeds peak = " + peak);
        }
    }

    private static void requireRate(String setting, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(setting + " must be finite and >= 0, got " + value);
        }
    }

    private static void requireStep(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("lr schedule steps are 1-based, got step " + step);
        }
    }
}
