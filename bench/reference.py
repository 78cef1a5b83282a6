#!/usr/bin/env python3
"""Reference LOMO step benchmarks on one GPU, to run side by side with `lomo-trainer bench` in the same call.

Hugging Face transformers' LlamaForCausalLM (random initialization on the device, bf16, SDPA attention,
gradient checkpointing on), trained by one of:
  authors  the authors' lomo_optim.Lomo / AdaLomo (grad_norm() then fused_backward(), as their trainer does);
           the package source is passed with --lomo-src (a folder that is never committed)
  native   PyTorch's optimizer-in-backward: a post-accumulate-grad hook per parameter doing the SGD step

Prints one JSON line per case with the fields of `lomo-trainer bench` plus "ref".
This is a measuring tool for the GPU host only; it is not part of the product.
"""
import argparse
import json
import statistics
import sys
import time

import torch

SHAPES = {  # name: (layers, hidden, intermediate, heads, kv_heads), vocabulary 32000 (LLaMA / TinyLlama)
    "llama-7b": (32, 4096, 11008, 32, 32),
    "tinyllama-1.1b": (22, 2048, 5632, 32, 4),
    "100m": (8, 768, 2048, 12, 12),
}


def build(shape):
    from transformers import LlamaConfig, LlamaForCausalLM

    layers, hidden, inter, heads, kv = SHAPES[shape]
    cfg = LlamaConfig(vocab_size=32000, hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                      num_attention_heads=heads, num_key_value_heads=kv, max_position_embeddings=4096,
                      rms_norm_eps=1e-6, tie_word_embeddings=False, attn_implementation="sdpa", use_cache=False)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg)
    torch.set_default_dtype(torch.float32)
    model.gradient_checkpointing_enable()
    model.config.use_cache = False
    model.train()
    return model


def native_hooks(model, lr):
    def hook(p):
        with torch.no_grad():
            p.add_(p.grad, alpha=-lr)
        p.grad = None

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(hook)

    def step(loss):
        loss.backward()

    return step


def authors(model, optimizer, lr, clip_norm):
    import lomo_optim

    if optimizer == "lomo":
        opt = lomo_optim.Lomo(model, lr=lr, clip_grad_norm=clip_norm or None)
    else:
        opt = lomo_optim.AdaLomo(model, lr=lr, clip_grad_norm=clip_norm or None)

    def step(loss):
        if clip_norm:
            opt.grad_norm(loss)  # the first of the two backward passes
        opt.fused_backward(loss, lr)

    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="llama-7b", choices=sorted(SHAPES))
    ap.add_argument("--ref", default="native", choices=["native", "authors"])
    ap.add_argument("--optimizer", default="lomo", choices=["lomo", "adalomo"])
    ap.add_argument("--clip-norm", type=float, default=0.0)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--warmup-steps", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lomo-src", default=".ref")
    a = ap.parse_args()
    sys.path.insert(0, a.lomo_src)
    if a.ref == "native" and (a.optimizer != "lomo" or a.clip_norm):
        sys.exit("the native reference is plain SGD in a hook: no AdaLomo, no norm clipping")

    torch.manual_seed(0)
    model = build(a.model)
    params = sum(p.numel() for p in model.parameters())
    lr = 1e-3 if a.optimizer == "adalomo" else 1e-5
    step = native_hooks(model, lr) if a.ref == "native" else authors(model, a.optimizer, lr, a.clip_norm)
    ids = torch.randint(0, 32000, (a.batch, a.seq), device="cuda")
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()  # the weights stay in the peak, as in lomo-trainer bench
    times = []
    for i in range(a.warmup_steps + a.repeat):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        step(loss)
        torch.cuda.synchronize()
        if i >= a.warmup_steps:
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    tokens = a.batch * a.seq
    layers, hidden = SHAPES[a.model][0], SHAPES[a.model][1]
    flops_per_token = 6.0 * params + 6.0 * layers * hidden * a.seq
    print(json.dumps({
        "impl": "reference", "ref": a.ref, "model": a.model, "params": params, "dtype": "bf16",
        "strategy": "hf-checkpointing", "optimizer": a.optimizer + ("+clip" if a.clip_norm else ""),
        "seq": a.seq, "batch": a.batch, "step_s": round(median, 4), "tgs": round(tokens / median, 1),
        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 3), "param_gib": round(params * 2 / 2**30, 3),
        "device": "cuda:0", "model_tflops": round(flops_per_token * tokens / median / 1e12, 1),
        "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
    }), flush=True)


if __name__ == "__main__":
    main()
