package org.lomospark.trainer.tensor;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.cuda.CUDAAllocator;
import org.bytedeco.pytorch.cuda.DeviceStats;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * The few CUDA runtime facts the trainer reads: the caching allocator's allocated-bytes statistics (the number
 * a GPU memory figure means here: live tensors, not the allocator's reserve), a device barrier for timing, the
 * thread's current device and a private random generator per device.
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

    /**
     * A random generator of the caller's own on {@code at}'s GPU, seeded with {@code seed}: it draws what the
     * device's default generator draws after {@code manual_seed(seed)}, but no other thread reseeds or advances it
     * (ranks of one JVM build their models at once).
     */
    public static Generator generator(Placement at, long seed) {
        at.torchDevice(); // loads the CUDA natives and checks a device is there
        Generator g = torch_cuda.make_generator_cuda(index(at));
        g.set_current_seed(seed);
        return g;
    }

    private static byte index(Placement at) {
        int colon = at.device().indexOf(':');
        return colon < 0 ? 0 : Byte.parseByte(at.device().substring(colon + 1));
    }
}
