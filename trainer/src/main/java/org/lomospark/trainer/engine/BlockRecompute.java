package org.lomospark.trainer.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.model.DecoderBlock;
import org.lomospark.trainer.model.ForwardContext;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.model.TensorParallel;
import org.lomospark.trainer.tensor.Gradients;
import org.lomospark.trainer.tensor.Native;
import org.lomospark.trainer.tensor.Placement;

/**
 * Activation checkpointing with the update built in. The forward runs without a graph and keeps only each
 * block's input. The backward goes from the head down: recompute one block from its saved input, take the
 * gradients of its parameters and of its input with {@code torch.grad}, hand them to the sink, free them, and
 * carry the input gradient down. At most one block's gradients exist at a time.
 *
 * <p>With several micro-batches every block first sees all of them (their gradients summed) before its
 * update: true gradient accumulation, which a backward hook cannot give.
 *
 * <p>With {@code offloadActivations} on a GPU the checkpoints go to pinned host memory ({@link HostActivations})
 * and there are two per block, before each residual half: the GPU then holds one half-block's activations and
 * gradients at a time, which is what brings the peak within a few hundred MiB of the weights.
 */
public record BlockRecompute(boolean offloadActivations, PhaseClock clock) implements Strategy {

    /** Without profiling. */
    public BlockRecompute(boolean offloadActivations) {
        this(offloadActivations, null);
    }

    @Override
    public String name() {
        return "block";
    }

    @Override
    public boolean accumulates() {
        return true;
    }

    @Override
    public Passes forward(LlamaModel model, List<Batch> microBatches) {
        return new Forward(model, microBatches, offloadActivations, clock == null ? new PhaseClock(model.placement()) : clock);
    }

    private static final class Forward implements Passes {
        private final LlamaModel model;
        private final PhaseClock clock;
        private final HostActivations parked;
        private final UpdateStream updates;
        private final TensorParallel tp;
        /** Checkpoints before each residual half rather than one per block. */
        private final boolean halves;
        private boolean closed;
        private final List<MicroBatch> batches = new ArrayList<>();

        /**
         * One micro-batch's tensors on the device and the inputs saved for every block, plus the last block's
         * output at the end. A parked input is null in {@code saved} and has its host slot in {@code slots}.
         */
        private record MicroBatch(Tensor ids, Tensor targets, ForwardContext ctx, List<Tensor> saved, int[] slots) {}

        Forward(LlamaModel model, List<Batch> microBatches, boolean offload, PhaseClock clock) {
            this.model = model;
            this.clock = clock;
            Placement at = model.placement();
            // Offloading means something only on a GPU: on the CPU the inputs are in host memory already.
            this.parked = offload && at.isCuda() ? new HostActivations(at) : null;
            this.updates = at.isCuda() ? new UpdateStream() : null;
            this.tp = model.tensorParallel();
            this.halves = parked != null || tp.active();
            clock.start();
            for (Batch b : microBatches) {
                try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                    Tensor ids = Native.keep(b.inputIds().to(at.torchDevice(), torch.ScalarType.Long));
                    Tensor targets = Native.keep(b.targets().to(at.torchDevice(), torch.ScalarType.Long));
                    ForwardContext c = model.context(b.seqLen(), b.attentionMask());
                    ForwardContext ctx = new ForwardContext(Native.keep(c.cos()), Native.keep(c.sin()),
                            c.mask() == null ? null : Native.keep(c.mask()));
                    List<Tensor> saved = new ArrayList<>();
                    int[] slots = new int[2 * model.blocks().size()];
                    Tensor h = Native.keep(model.embed(ids));
                    for (DecoderBlock block : model.blocks()) {
                        Tensor next;
                        if (halves) {
                            // two checkpoints a block, before each residual half: offloaded, the backward then
                            // holds one half's activations and gradients at a time; tensor-parallel, each half
                            // ends in an all-reduce that no torch.grad can go through
                            save(h, saved, slots);
                            Tensor mid;
                            try (PointerScope blockScope = new PointerScope()) {
                                mid = Native.keep(block.attentionHalf(h, ctx));
                            }
                            save(mid, saved, slots);
                            try (PointerScope blockScope = new PointerScope()) {
                                next = Native.keep(block.mlpHalf(mid));
                            }
                            if (parked != null) {
                                h.close(); // the copy stream holds them until the copy has read them
                                mid.close();
                            }
                        } else {
                            try (PointerScope blockScope = new PointerScope()) {
                                next = Native.keep(block.forward(h, ctx));
                            }
                            saved.add(h);
                        }
                        h = next;
                    }
                    saved.add(h); // the head's input stays on the device
                    batches.add(new MicroBatch(ids, targets, ctx, saved, slots));
                }
            }
            clock.lap("forward");
        }

        @Override
        public double backward(GradSink sink, double lossWeight, boolean again) {
            Map<String, Tensor> params = model.namedParameters();
            List<Tensor> dHidden = new ArrayList<>();
            List<Tensor> losses = new ArrayList<>();
            clock.start();
            try (Gradients grads = new Gradients()) {
                for (MicroBatch mb : batches) {
                    var r = model.head().backward(last(mb.saved), mb.targets, lossWeight, grads);
                    dHidden.add(r.dHidden());
                    losses.add(r.lossSum()); // read at the end of the pass: a read here would stall the device
                }
                deliver(grads, sink, params, "model.norm.weight");
                if (!model.head().tied()) {
                    deliver(grads, sink, params, "lm_head.weight");
                }
                clock.lap("head");
                List<DecoderBlock> blocks = model.blocks();
                for (int i = blocks.size() - 1; i >= 0; i--) {
                    for (Segment segment : segments(blocks.get(i))) {
                        for (int m = 0; m < batches.size(); m++) {
                            try (PointerScope scope = new PointerScope()) {
                                MicroBatch mb = batches.get(m);
                                Tensor x = input(mb, segment.checkpoint).detach().requires_grad_(true);
                                Tensor y = segment.forward.apply(x, mb.ctx);
                                TensorVector inputs = new TensorVector(x); // in the scope: it holds x's storage
                                segment.params.values().forEach(inputs::push_back);
                                TensorVector g = torch.grad(new TensorVector(y), inputs,
                                        new TensorVector(dHidden.get(m)), new BoolOptional(false), false, false);
                                int k = 1;
                                for (String name : segment.params.keySet()) {
                                    grads.add(name, g.get(k++));
                                }
                                Tensor dx = new Tensor(g.get(0));
                                if (segment.branch) {
                                    // y = x + sum_r branch_r(x): dx = dy + sum_r dx_r
                                    dx = tp.sum(dx.contiguous()).add(dHidden.get(m));
                                }
                                dHidden.get(m).close();
                                dHidden.set(m, Native.keep(dx));
                                if (parked != null) {
                                    parked.release(mb.slots[segment.checkpoint]);
                                }
                            }
                        }
                        clock.lap("blocks-recompute-and-grad");
                        if (updates != null) {
                            updates.enter();
                        }
                        try {
                            for (String name : segment.params.keySet()) {
                                // a norm weight: every rank's branch used it, each rank's gradient is one share
                                boolean shares = segment.branch && model.replicated(name);
                                deliver(grads, sink, params, name, updates, shares ? tp : TensorParallel.none());
                            }
                        } finally {
                            if (updates != null) {
                                updates.exit();
                            }
                        }
                        clock.lap("blocks-update");
                    }
                }
                Tensor embedding = model.embeddingWeight();
                for (int m = 0; m < batches.size(); m++) {
                    try (PointerScope scope = new PointerScope()) {
                        Tensor e = model.embedOwnRows(batches.get(m).ids); // a rank's gradient: its own rows
                        TensorVector g = torch.grad(new TensorVector(e), new TensorVector(embedding),
                                new TensorVector(dHidden.get(m)), new BoolOptional(false), false, false);
                        grads.add(LlamaModel.EMBED, g.get(0));
                    }
                }
                deliver(grads, sink, params, LlamaModel.EMBED);
                if (updates != null) {
                    updates.join(); // the next forward, and any read of the weights, comes after every update
                }
                clock.lap("embedding");
            } finally {
                Native.closeAll(dHidden);
            }
            double lossSum = 0;
            for (Tensor loss : losses) {
                lossSum += loss.item().toDouble();
                loss.close();
            }
            if (!again) {
                close();
            }
            return lossSum;
        }

        private static void deliver(Gradients grads, GradSink sink, Map<String, Tensor> params, String name) {
            deliver(grads, sink, params, name, null, TensorParallel.none());
        }

        /** Hands the gradient of {@code name} to the sink, first summed over {@code shares} (ranks each holding a part). */
        private static void deliver(Gradients grads, GradSink sink, Map<String, Tensor> params, String name,
                UpdateStream updates, TensorParallel shares) {
            try (Tensor g = grads.take(name)) {
                shares.sum(g);
                if (updates != null) {
                    updates.hold(g); // freed below on the compute side, read by the update stream
                }
                sink.accept(name, params.get(name), g);
            }
        }

        /** Keeps checkpoint {@code t} as the next one: parked on the host (the caller still closes t), or in saved. */
        private void save(Tensor t, List<Tensor> saved, int[] slots) {
            if (parked != null) {
                slots[saved.size()] = parked.park(t);
                saved.add(null);
            } else {
                saved.add(t);
            }
        }

        /**
         * A stretch of a block between two checkpoints, with the parameters it uses. A {@code branch} segment
         * computes only this tensor-parallel rank's share of a residual branch: the residual and the other ranks'
         * shares are added to its input gradient by hand.
         */
        private record Segment(Map<String, Tensor> params, BiFunction<Tensor, ForwardContext, Tensor> forward,
                int checkpoint, boolean branch) {}

        /**
         * In backward order: the whole block; or its MLP half, then its attention half (inputs parked on the host);
         * or, tensor-parallel, this rank's share of the MLP branch, then of the attention branch.
         */
        private List<Segment> segments(DecoderBlock block) {
            int i = block.index();
            if (tp.active()) {
                return List.of(new Segment(block.mlpParameters(), (h, ctx) -> block.mlpBranch(h), 2 * i + 1, true),
                        new Segment(block.attentionParameters(), block::attentionBranch, 2 * i, true));
            }
            if (parked == null) {
                return List.of(new Segment(block.parameters(), block::forward, i, false));
            }
            return List.of(new Segment(block.mlpParameters(), (h, ctx) -> block.mlpHalf(h), 2 * i + 1, false),
                    new Segment(block.attentionParameters(), block::attentionHalf, 2 * i, false));
        }

        private Tensor input(MicroBatch mb, int checkpoint) {
            return parked == null ? mb.saved.get(checkpoint) : parked.take(mb.slots[checkpoint]);
        }

        private static Tensor last(List<Tensor> saved) {
            return saved.get(saved.size() - 1);
        }

        @Override
        public void close() {
            for (MicroBatch mb : batches) {
                Native.closeAll(mb.saved);
                mb.ids.close();
                mb.targets.close();
                mb.ctx.cos().close();
                mb.ctx.sin().close();
                if (mb.ctx.mask() != null) {
                    mb.ctx.mask().close();
                }
            }
            batches.clear();
            if (parked != null) {
                parked.close();
            }
            if (updates != null && !closed) {
                updates.close();
            }
            closed = true;
        }
    }
}
