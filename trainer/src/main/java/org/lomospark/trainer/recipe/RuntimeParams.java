package org.lomospark.trainer.recipe;

import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import org.lomospark.trainer.tensor.Placement;

/**
 * Where and how a recipe runs; the weights it trains to do not depend on these, up to the order of float sums
 * (the dtype aside). The split XGBoost4J-Spark makes between its parameters and its runtime settings.
 *
 * @param device {@code cpu}, {@code cuda} (each rank on the GPU it is given) or {@code cuda:N}
 * @param dtype the weights' type: {@code f32}, {@code bf16}, or {@code f16} (with dynamic loss scaling)
 * @param offload the saved block inputs in pinned host memory (strategy block, device cuda)
 * @param initOnCpu random initial weights drawn on the CPU (the same on any device) rather than on the device
 * @param threads intra-op threads per rank; 0 leaves the entry point's default
 * @param saveEvery commit a checkpoint every this many steps (and at the end); 0 only at the end
 * @param keepLast committed checkpoints kept
 * @param rendezvousTimeout how long ranks wait for each other at the rendezvous and in a collective
 */
public record RuntimeParams(String device, String dtype, Strategy strategy, boolean offload, boolean initOnCpu,
                            int threads, int dp, int tp, int saveEvery, int keepLast, Duration rendezvousTimeout)
        implements Serializable {

    /** How each gradient reaches its update while the others do not exist ({@code engine.Strategy}). */
    public enum Strategy {
        BLOCK, HOOK;

        public String settingName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Strategy parse(String name) {
            return Settings.choice(Strategy.class, "strategy", name);
        }
    }

    public RuntimeParams {
        try {
            dtype = Placement.cpu(Placement.dtypeOf(dtype)).dtypeName(); // one spelling: fp32 and float32 are f32
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dtype '" + dtype + "' is not one of f32, bf16, f16", e);
        }
        Settings.require(device.equals("cpu") || device.matches("cuda(:\\d+)?"), "device", device,
                "cpu, cuda or cuda:N");
        Settings.require(threads >= 0, "threads", threads, "at least 0");
        Settings.require(dp >= 1, "dp", dp, "at least 1");
        Settings.require(tp >= 1, "tp", tp, "at least 1");
        Settings.require(saveEvery >= 0, "save-every", saveEvery, "at least 0");
        Settings.require(keepLast >= 1, "keep-last", keepLast, "at least 1");
        Settings.require(!rendezvousTimeout.isNegative() && !rendezvousTimeout.isZero(), "rendezvous-timeout",
                rendezvousTimeout, "positive");
        if (offload && strategy != Strategy.BLOCK) {
            throw new IllegalArgumentException("offload needs strategy block, not " + strategy.settingName()
                    + ": strategy hook keeps autograd's own saved tensors on the device");
        }
        if (offload && !device.startsWith("cuda")) {
            throw new IllegalArgumentException("offload moves block inputs from the GPU to pinned host memory, and "
                    + "device is " + device + ": use device cuda, or offload = false");
        }
        if (tp > 1 && strategy != Strategy.BLOCK) {
            throw new IllegalArgumentException("tp " + tp + " needs strategy block, not " + strategy.settingName()
                    + ": the all-reduces between block halves go between explicit per-half backward calls");
        }
    }

    public int world() {
        return dp * tp;
    }

    /** The device as a rank is given it: {@code cuda} for every rank or task takes its own GPU; no index allowed. */
    public void requireUnindexedDevice(String where) {
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("device for " + where + " is cpu or cuda (each rank on the GPU it "
                    + "is given), got '" + device + "'");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every field by name; {@link Builder#build()} checks them. */
    public static final class Builder {
        private String device;
        private String dtype;
        private Strategy strategy;
        private boolean offload;
        private boolean initOnCpu;
        private int threads;
        private int dp;
        private int tp;
        private int saveEvery;
        private int keepLast;
        private Duration rendezvousTimeout;

        private Builder() {}

        public Builder device(String v) {
            device = v;
            return this;
        }

        public Builder dtype(String v) {
            dtype = v;
            return this;
        }

        public Builder strategy(Strategy v) {
            strategy = v;
            return this;
        }

        public Builder offload(boolean v) {
            offload = v;
            return this;
        }

        public Builder initOnCpu(boolean v) {
            initOnCpu = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder dp(int v) {
            dp = v;
            return this;
        }

        public Builder tp(int v) {
            tp = v;
            return this;
        }

        public Builder saveEvery(int v) {
            saveEvery = v;
            return this;
        }

        public Builder keepLast(int v) {
            keepLast = v;
            return this;
        }

        public Builder rendezvousTimeout(Duration v) {
            rendezvousTimeout = v;
            return this;
        }

        public RuntimeParams build() {
            return new RuntimeParams(device, dtype, strategy, offload, initOnCpu, threads, dp, tp, saveEvery,
                    keepLast, rendezvousTimeout);
        }
    }
}
