package org.lomospark.trainer.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.lomospark.trainer.tensor.Cuda;
import org.lomospark.trainer.tensor.Placement;

/**
 * Where a step's time goes, phase by phase. Off by default; switched on it waits for the device at every lap
 * (so laps measure device work, not how fast the host queued it), which slows the step: profile separately from
 * the timed steps.
 */
public final class PhaseClock {
    private final Placement placement;
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private boolean on;
    private long last;

    public PhaseClock(Placement placement) {
        this.placement = placement;
    }

    /** Starts measuring; every later lap adds to its phase's total. */
    public void switchOn() {
        on = true;
        seconds.clear();
    }

    /** Marks the start of a measured stretch without charging the time since the last lap to any phase. */
    void start() {
        if (on) {
            sync();
            last = System.nanoTime();
        }
    }

    /** Charges the time since the last lap (or start) to {@code phase}. */
    void lap(String phase) {
        if (on) {
            sync();
            long now = System.nanoTime();
            seconds.merge(phase, (now - last) / 1e9, Double::sum);
            last = now;
        }
    }

    /** Seconds per phase summed since {@link #switchOn}. */
    public Map<String, Double> totals() {
        return Map.copyOf(seconds);
    }

    private void sync() {
        if (placement.isCuda()) {
            Cuda.synchronize(placement);
        }
    }
}
