package org.lomospark.trainer.tensor;

import org.bytedeco.pytorch.cuda.CUDAAllocator;
import org.bytedeco.pytorch.cuda.DeviceStats;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * The few CUDA runtime facts the trainer reads: the caching allocator's allocated-bytes statistics (the number
 * a GPU memory figure means here: live tensors, not the allocator's reserve) and a device barrier for timing.
 * Only call for a {@link Placement#isCuda()} placement: it loads the CUDA natives.
 */
public final class Cuda {
    private Cuda() {}

    /** Peak bytes held by live tensors on the device since the last {@link #resetPeak}. */
    public static long peakAllocatedBytes(Placement at) {
        try (DeviceStats stats = allocator(at).getDeviceStats(index(at))) {
            return stats.allocated_bytes().peak(); // element 0 of the StatArray: all pools together
        }
    }

    public static void resetPeak(Placement at) {
        allocator(at).resetPeakStats(index(at));
    }

    /**
     * Makes {@code at}'s GPU this thread's current device: streams from the pool, the current stream and device
     * barriers all follow it. Each rank thread calls it first; a thread starts on cuda:0.
     */
    public static void useDevice(Placement at) {
        if (at.isCuda()) {
            torch_cuda.set_device(index(at));
        }
    }

    /** Waits for all queued work on the current device: a timing barrier, never used inside a step. */
    public static void synchronize(Placement at) {
        at.torchDevice();
        torch_cuda.device_synchronize();
    }

    private static CUDAAllocator allocator(Placement at) {
        at.torchDevice(); // loads the CUDA natives and checks a device is there
        return torch_cuda.getAllocator();
    }

    private static byte index(Placement at) {
        int colon = at.device().indexOf(':');
        return colon < 0 ? 0 : Byte.parseByte(at.device().substring(colon + 1));
    }
}
