package org.lomospark.trainer.engine;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.cuda.CUDAEvent;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.cuda.CUDAStreamGuard;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Checkpointed block inputs parked in page-locked host memory, so the GPU holds only the block being worked on
 * (and the next one, arriving). Copies run on a side stream: device-to-host as each input is produced,
 * host-to-device one block ahead of the backward, each fenced by an event so the compute stream never waits
 * for a copy it does not need yet.
 */
final class HostActivations implements AutoCloseable {
    private final Placement at;
    private final CUDAStream copies;
    private final List<Tensor> host = new ArrayList<>();
    private final List<Tensor> arriving = new ArrayList<>();
    private final List<CUDAEvent> arrived = new ArrayList<>();

    HostActivations(Placement at) {
        this.at = at;
        this.copies = Native.keep(torch_cuda.getStreamFromPool());
    }

    /** Starts copying {@code h} (on the device, just computed) to the host; returns its slot. */
    int park(Tensor h) {
        try (PointerScope scope = new PointerScope()) {
            CUDAStream compute = torch_cuda.getCurrentCUDAStream();
            CUDAEvent produced = new CUDAEvent();
            produced.record(compute);
            produced.block(copies); // the copy starts once h exists
            Tensor pinned = Tensors.empty(Tensors.options(Tensors.dtype(h), new Device(torch.DeviceType.CPU))
                    .pinned_memory(new BoolOptional(true)), Tensors.shape(h));
            try (CUDAStreamGuard guard = new CUDAStreamGuard(copies.unwrap())) {
                pinned.copy_(h, true);
            }
            h.record_stream(copies.unwrap()); // h's memory is not reused before the copy has read it
            host.add(Native.keep(pinned));
            arriving.add(null);
            arrived.add(null);
            return host.size() - 1;
        }
    }

    /** Starts bringing slot {@code i} back to the device, if it is not on its way already. */
    void prefetch(int i) {
        if (i < 0 || arriving.get(i) != null) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            CUDAStream compute = torch_cuda.getCurrentCUDAStream();
            Tensor back;
            try (CUDAStreamGuard guard = new CUDAStreamGuard(copies.unwrap())) {
                back = host.get(i).to(at.torchDevice(), Tensors.dtype(host.get(i)), true, false, new MemoryFormatOptional());
            }
            back.record_stream(compute.unwrap()); // allocated on the copy stream, used on the compute stream
            CUDAEvent done = new CUDAEvent();
            done.record(copies);
            arriving.set(i, Native.keep(back));
            arrived.set(i, Native.keep(done));
        }
    }

    /** Slot {@code i} on the device, usable by the compute stream; starts the copy of slot {@code i - 1}. */
    Tensor take(int i) {
        prefetch(i);
        prefetch(i - 1);
        try (PointerScope scope = new PointerScope()) {
            arrived.get(i).block(torch_cuda.getCurrentCUDAStream());
        }
        return arriving.get(i);
    }

    /** Frees slot {@code i}'s device copy once the backward is done with it. */
    void release(int i) {
        if (arriving.get(i) != null) {
            arriving.get(i).close();
            arriving.set(i, null);
            arrived.get(i).close();
            arrived.set(i, null);
        }
    }

    @Override
    public void close() {
        if (copies.isNull()) {
            return; // closed already
        }
        for (int i = 0; i < host.size(); i++) {
            release(i);
        }
        Native.closeAll(host);
        host.clear();
        copies.close();
    }
}
