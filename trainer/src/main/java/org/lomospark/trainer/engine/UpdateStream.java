package org.lomospark.trainer.engine;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.cuda.CUDAEvent;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.cuda.CUDAStreamGuard;
import org.bytedeco.pytorch.global.torch_cuda;
import org.lomospark.trainer.tensor.Native;

/**
 * A second CUDA stream for the fused updates. They are memory-bound and the recompute and gradient matmuls
 * are compute-bound, so a segment's updates run while the next segment's gradients are computed. The
 * compute stream waits for all updates before the pass returns.
 */
final class UpdateStream implements AutoCloseable {
    private final CUDAStream stream;
    private CUDAStreamGuard guard;

    UpdateStream() {
        this.stream = Native.keep(torch_cuda.getStreamFromPool());
    }

    /** Makes this stream current, after everything queued so far on the compute stream. */
    void enter() {
        try (PointerScope scope = new PointerScope()) {
            CUDAEvent queued = new CUDAEvent();
            queued.record(torch_cuda.getCurrentCUDAStream());
            queued.block(stream);
        }
        guard = new CUDAStreamGuard(stream.unwrap());
    }

    /** Keeps {@code t}'s memory from reuse until this stream's queued work has read it. */
    void hold(Tensor t) {
        t.record_stream(stream.unwrap());
    }

    /** Makes the compute stream current again. */
    void exit() {
        guard.close();
        guard = null;
    }

    /** The compute stream waits for every update queued so far. */
    void join() {
        try (PointerScope scope = new PointerScope()) {
            CUDAEvent done = new CUDAEvent();
            done.record(stream);
            done.block(torch_cuda.getCurrentCUDAStream());
        }
    }

    @Override
    public void close() {
        if (guard != null) {
            exit();
        }
        stream.close();
    }
}
