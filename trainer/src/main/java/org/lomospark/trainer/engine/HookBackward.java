package org.lomospark.trainer.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.FunctionPostHook;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.model.DecoderBlock;
import org.lomospark.trainer.model.ForwardContext;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Gradients;
import org.lomospark.trainer.tensor.Native;

/**
 * One ordinary backward with the update inside it: a post-accumulate hook on every parameter hands the
 * gradient to the sink the moment autograd has stored it, then frees it. No recomputation, so it is faster
 * than {@link BlockRecompute}, at the price of keeping every block's activations for the backward.
 *
 * <p>The head (final norm, projection, loss) still runs chunk by chunk outside the graph, so full fp32 logits
 * never exist; the graph starts at the last block's output.
 */
public record HookBackward() implements Strategy {

    @Override
    public String name() {
        return "hook";
    }

    @Override
    public boolean accumulates() {
        return false;
    }

    @Override
    public Passes forward(LlamaModel model, List<Batch> microBatches) {
        if (model.tensorParallel().active()) {
            throw new IllegalArgumentException("strategy hook cannot train a tensor-parallel model (tp "
                    + model.tensorParallel().size() + "): use strategy block, whose per-half backward calls leave room "
                    + "for the all-reduces");
        }
        if (microBatches.size() != 1) {
            throw new IllegalArgumentException("strategy hook cannot accumulate gradients over "
                    + microBatches.size() + " micro-batches: its hooks update each parameter during the backward; "
                    + "use strategy block for gradient accumulation");
        }
        return new Forward(model, microBatches.get(0));
    }

    private static final class Forward implements Passes {
        private final LlamaModel model;
        private final Tensor targets;
        private final Tensor output;
        private final ForwardContext ctx;
        private final PointerScope graphScope;
        // Hooks and the views that keep AccumulateGrad nodes alive: collected by the GC while registered, they
        // would make backward() fail, so they stay referenced until close().
        private final List<FunctionPostHook> hooks = new ArrayList<>();
        private final List<Tensor> views = new ArrayList<>();
        private final Map<Node, Long> hookIds = new IdentityHashMap<>();
        private GradSink sink;
        private Tensor pendingTiedGrad;

        Forward(LlamaModel model, Batch batch) {
            this.model = model;
            // Everything the forward makes lives until the last pass: autograd needs the graph's tensors.
            this.graphScope = new PointerScope();
            this.targets = batch.targets().to(model.placement().torchDevice(), torch.ScalarType.Long);
            this.ctx = model.context(batch.seqLen(), batch.attentionMask());
            Tensor h = model.embed(batch.inputIds().to(model.placement().torchDevice(), torch.ScalarType.Long));
            for (DecoderBlock block : model.blocks()) {
                h = block.forward(h, ctx);
            }
            this.output = h;
            graphScope.extend(); // leave the thread's scope stack now but free the graph only at close()
            graphScope.close();
            registerHooks();
        }

        private void registerHooks() {
            Map<String, Tensor> params = model.namedParameters();
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                if (!e.getKey().equals("model.norm.weight") && !e.getKey().equals("lm_head.weight")) {
                    hook(e.getKey(), e.getValue());
                }
            }
        }

        /** Post-accumulate hook: AccumulateGrad's node is reached through a throwaway view of the parameter. */
        private void hook(String name, Tensor param) {
            // The view keeps its grad_fn alive, and that keeps the AccumulateGrad node alive: the parameter itself
            // only holds a weak reference to it. Both stay referenced until close().
            Tensor view = param.expand_as(param);
            Node accumulate = view.grad_fn().next_edge(0).function();
            views.add(view);
            FunctionPostHook hook = new FunctionPostHook() {
                @Override
                public TensorVector apply(TensorVector outputs, TensorVector inputs) {
                    // May run on autograd's device thread: own scope, nothing from the caller's.
                    try (PointerScope scope = new PointerScope()) {
                        Tensor grad = param.grad();
                        if (name.equals(LlamaModel.EMBED) && pendingTiedGrad != null) {
                            grad = grad.add(pendingTiedGrad);
                            pendingTiedGrad.close();
                            pendingTiedGrad = null;
                        }
                        sink.accept(name, param, grad);
                        param.mutable_grad().reset(); // free the gradient now: nothing reads it again
                    }
                    return outputs;
                }
            };
            hookIds.put(accumulate, accumulate.add_post_hook(hook));
            hooks.add(hook);
        }

        @Override
        public double backward(GradSink sink, double lossWeight, boolean again) {
            this.sink = sink;
            double lossSum;
            try (PointerScope scope = new PointerScope(); Gradients grads = new Gradients()) {
                var r = model.head().backward(output.detach(), targets, lossWeight, grads);
                scope.attach(r.dHidden());
                scope.attach(r.lossSum());
                lossSum = r.lossSum().item().toDouble();
                Map<String, Tensor> params = model.namedParameters();
                for (String name : List.of("model.norm.weight", "lm_head.weight")) {
                    if (grads.contains(name)) {
                        try (Tensor g = grads.take(name)) {
                            sink.accept(name, params.get(name), g);
                        }
                    }
                }
                pendingTiedGrad = grads.take(LlamaModel.EMBED); // tied: the embedding's hook adds it
                torch.backward(new TensorVector(output), new TensorVector(r.dHidden()), new BoolOptional(again),
                        false, new TensorVector());
            }
            if (!again) {
                close();
            }
            return lossSum;
        }

        @Override
        public void close() {
            for (Map.Entry<Node, Long> e : hookIds.entrySet()) {
                e.getKey().del_post_hook(e.getValue());
                e.getKey().close();
            }
            hookIds.clear();
            Native.closeAll(views);
            views.clear();
            hooks.clear();
            if (pendingTiedGrad != null) {
                pendingTiedGrad.close();
                pendingTiedGrad = null;
            }
            graphScope.close();
        }
    }
}
