package org.lomospark.trainer.engine;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.lomospark.trainer.data.Batch;
import org.lomospark.trainer.model.LlamaModel;
import org.lomospark.trainer.tensor.Tensors;

/**
 * The plain way, written independently of the engine: one graph over the whole batch, the whole-vocabulary
 * loss at once, {@code backward()}, every gradient kept, then SGD over all parameters (optionally after
 * global-norm clipping).
 */
final class Reference {
    private Reference() {}

    static double sgdStep(LlamaModel model, List<Batch> batches, double lr, double maxNorm) {
        Map<String, Tensor> params = model.namedParameters();
        long tokens = batches.stream().mapToLong(Batch::targetTokens).sum();
        double lossSum = 0;
        try (PointerScope scope = new PointerScope()) {
            for (Batch b : batches) {
                Tensor h = model.hidden(b.inputIds(), b.attentionMask());
                Tensor x32 = h.to(torch.ScalarType.Float);
                Tensor normed = x32.mul(x32.square().mean(new long[] {-1}, true, new ScalarTypeOptional())
                        .add(new Scalar(model.config().rmsNormEps())).rsqrt());
                Tensor w = params.getOrDefault("lm_head.weight", params.get(LlamaModel.EMBED));
                Tensor logits = torch.matmul(normed.mul(params.get("model.norm.weight")), w.t()).reshape(-1, w.size(0));
                Tensor sum = torch.cross_entropy_loss(logits, b.targets().reshape(-1), new TensorOptional(), 2, -100, 0.0);
                lossSum += sum.item().toDouble();
                torch.backward(new TensorVector(sum.div(new Scalar(tokens))));
            }
            double coef = 1;
            if (maxNorm > 0) {
                double sq = 0;
                for (Tensor p : params.values()) {
                    sq += p.grad().square().sum().item().toDouble();
                }
                coef = Math.min(1, maxNorm / (Math.sqrt(sq) + 1e-6));
            }
            try (NoGradGuard g = new NoGradGuard()) {
                for (Tensor p : params.values()) {
                    p.sub_(p.grad(), new Scalar(lr * coef));
                    p.mutable_grad().reset();
                }
            }
        }
        return lossSum / tokens;
    }

    /**
     * Relative L2 difference of two models' weights, all parameters taken as one vector. Not per tensor: some
     * tensors are pure rounding noise (k_proj's bias has an exactly zero gradient, softmax being shift
     * invariant), while any real error in an update (a missed gradient, a wrong order) moves this by far more.
     */
    static double relativeDifference(LlamaModel a, LlamaModel b) {
        return relativeDifference(a.namedParameters(), b.namedParameters());
    }

    /** {@link #relativeDifference(LlamaModel, LlamaModel)} of two sets of named tensors, relative to {@code b}. */
    static double relativeDifference(Map<String, Tensor> a, Map<String, Tensor> b) {
        if (!a.keySet().equals(b.keySet())) {
            throw new IllegalArgumentException("different parameters: " + a.keySet() + " and " + b.keySet());
        }
        double diff = 0;
        double norm = 0;
        for (Map.Entry<String, Tensor> e : a.entrySet()) {
            float[] x = Tensors.toFloats(e.getValue());
            float[] y = Tensors.toFloats(b.get(e.getKey()));
            if (x.length != y.length) {
                throw new IllegalArgumentException(e.getKey() + ": " + x.length + " and " + y.length + " elements");
            }
            for (int i = 0; i < x.length; i++) {
                diff += (x[i] - y[i]) * (double) (x[i] - y[i]);
                norm += y[i] * (double) y[i];
            }
        }
        return Math.sqrt(diff / norm);
    }

    /** Whether every parameter of two models is bit-for-bit equal. */
    static boolean identical(LlamaModel a, LlamaModel b) {
        for (Map.Entry<String, Tensor> e : a.namedParameters().entrySet()) {
            if (!java.util.Arrays.equals(Tensors.toBytes(e.getValue()), Tensors.toBytes(b.namedParameters().get(e.getKey())))) {
                return false;
            }
        }
        return true;
    }
}
