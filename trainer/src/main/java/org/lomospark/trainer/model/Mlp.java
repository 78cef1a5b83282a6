package org.lomospark.trainer.model;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * SwiGLU feed-forward: down(silu(gate(x)) * up(x)). Under tensor parallelism gate and up hold rows (a slice of the
 * intermediate width) and down the matching columns: the output is this rank's share of the sum.
 */
final class Mlp {
    final Tensor gate;
    final Tensor up;
    final Tensor down;

    Mlp(Tensor gate, Tensor up, Tensor down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    Tensor forward(Tensor x) {
        return torch.linear(torch.silu(torch.linear(x, gate)).mul(torch.linear(x, up)), down);
    }

    void collect(String prefix, Map<String, Tensor> out) {
        out.put(prefix + "gate_proj.weight", gate);
        out.put(prefix + "up_proj.weight", up);
        out.put(prefix + "down_proj.weight", down);
    }
}
