package org.lomospark.trainer.dist;

import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.tensor.Placement;

/** A {@link Group} over a c10d backend (Gloo on CPU, NCCL on CUDA); waits on every operation. */
final class C10dGroup implements Group {
    private final String name;
    private final Backend backend;
    private final int rank;
    private final int size;
    private final long timeoutMs;
    /** Where host numbers and barriers travel: null for Gloo (the CPU), the rank's GPU for NCCL. */
    private final Placement device;
    private boolean closed;

    C10dGroup(String name, Backend backend, int rank, int size, long timeoutMs, Placement device) {
        this.name = name;
        this.backend = backend;
        this.rank = rank;
        this.size = size;
        this.timeoutMs = timeoutMs;
        this.device = device;
    }

    @Override
    public long sum(long value) {
        if (device == null) {
            return Group.super.sum(value);
        }
        try (Tensor host = torch.tensor(value); Tensor t = onDevice(host)) {
            allReduceSum(t);
            return t.item_long(); // reads back from the GPU: a sync point
        }
    }

    @Override
    public double sum(double value) {
        if (device == null) {
            return Group.super.sum(value);
        }
        try (Tensor host = torch.tensor(value); Tensor t = onDevice(host)) {
            allReduceSum(t);
            return t.item_double();
        }
    }

    /** A host number's tensor copied to the rank's GPU, where NCCL reduces it. */
    private Tensor onDevice(Tensor host) {
        return host.to(device.torchDevice(), host.scalar_type());
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(Tensor t) {
        allReduce(t, ReduceOp.RedOpType.SUM, "allreduce(sum)");
    }

    @Override
    public void allReduceMax(Tensor t) {
        allReduce(t, ReduceOp.RedOpType.MAX, "allreduce(max)");
    }

    private void allReduce(Tensor t, ReduceOp.RedOpType op, String what) {
        check();
        try (TensorVector v = new TensorVector(t);
             ReduceOp reduce = new ReduceOp(op);
             AllreduceOptions options = new AllreduceOptions().reduceOp(reduce)) {
            await(backend.allreduce(v, options), what);
        }
    }

    @Override
    public void broadcast(Tensor t, int root) {
        check();
        try (TensorVector v = new TensorVector(t); BroadcastOptions options = new BroadcastOptions().rootRank(root)) {
            await(backend.broadcast(v, options), "broadcast from " + root);
        }
    }

    @Override
    public void barrier() {
        check();
        if (device != null) {
            // NCCL's own barrier picks a device from the rank, which is wrong for a sub-group: reduce on ours
            sum(0L);
            return;
        }
        await(backend.barrier(), "barrier");
    }

    private void await(Work work, String what) {
        if (device != null) {
            // NCCL: the current stream waits for the collective, the CPU goes on queueing work. A wait with a
            // timeout would block the CPU until the GPU is done, once per collective; the group's own timeout
            // (its watchdog) still ends a hung one.
            try (work) {
                work._wait();
            } catch (RuntimeException e) {
                throw new IllegalStateException("group " + name + " rank " + rank + "/" + size + ": " + what
                        + " failed: " + e.getMessage(), e);
            }
            return;
        }
        try (work; Milliseconds timeout = new Milliseconds(timeoutMs)) {
            if (!work._wait(timeout)) {
                throw new IllegalStateException("group " + name + " rank " + rank + "/" + size + ": " + what
                        + " did not complete in " + timeoutMs + " ms");
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("group " + name + " rank " + rank + "/" + size + ": " + what
                    + " failed: " + e.getMessage(), e);
        }
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("group " + name + " is closed");
        }
    }

    @Override
    public void abort() {
        if (device != null) {
            backend.abort();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            backend.close();
        }
    }

    @Override
    public String toString() {
        return name + "[" + rank + "/" + size + "]";
    }
}
