"""Writes the Hugging Face compatibility fixtures under trainer/src/test/resources/hf/: small random-weight
checkpoints saved by transformers' own save_pretrained, and what transformers computes on fixed tokens.

Run on a machine with PyTorch and transformers (the GPU host has them; never part of the product):
    python3 trainer/src/test/hf-fixtures/make_fixtures.py OUT_DIR
then copy OUT_DIR/* into trainer/src/test/resources/hf/. Each case directory holds config.json,
generation_config.json and model.safetensors as transformers wrote them, expected.safetensors (the fp32 logits
of the fixed tokens) and expected.json (the tokens, the mean next-token loss, the library versions).
Everything runs on the CPU in fp32.
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

out = sys.argv[1]
torch.use_deterministic_algorithms(True)
common = dict(vocab_size=256, hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6, initializer_range=0.2,
              bos_token_id=1, eos_token_id=2, pad_token_id=0)


def llama3_rope(theta):
    return {"rope_type": "llama3", "rope_theta": theta, "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 32}


def config(cls, rope, **extra):
    """transformers 5.x takes rope_parameters; 4.x took rope_theta and rope_scaling."""
    try:
        return cls(**common, rope_parameters=rope, **extra)
    except TypeError:
        scaling = None if rope.get("rope_type", "default") == "default" else \
            {k: v for k, v in rope.items() if k != "rope_theta"}
        return cls(**common, rope_theta=rope["rope_theta"], rope_scaling=scaling, **extra)


cases = {
    "llama": (LlamaForCausalLM, config(LlamaConfig, {"rope_type": "default", "rope_theta": 10000.0},
                                       tie_word_embeddings=False)),
    "llama3-rope": (LlamaForCausalLM, config(LlamaConfig, llama3_rope(500000.0), tie_word_embeddings=True)),
    # head_dim is not hidden / heads: q/k/v project to heads x 32, o_proj back to 64
    "llama-head-dim": (LlamaForCausalLM, config(LlamaConfig, {"rope_type": "default", "rope_theta": 10000.0},
                                                tie_word_embeddings=False, head_dim=32)),
    "qwen2": (Qwen2ForCausalLM, config(Qwen2Config, {"rope_type": "default", "rope_theta": 1000000.0},
                                       tie_word_embeddings=True, use_sliding_window=False)),
}

g = torch.Generator().manual_seed(1234)
tokens = torch.randint(0, common["vocab_size"], (2, 24), generator=g)
for name, (cls, cfg) in cases.items():
    torch.manual_seed(7)
    model = cls(cfg).float().eval()
    with torch.no_grad():
        # norms at 1 and biases at 0 would hide a mistake in either: draw them too
        for pname, p in model.named_parameters():
            if pname.endswith("norm.weight"):
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            elif pname.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
        result = model(input_ids=tokens, labels=tokens)
    d = os.path.join(out, name)
    model.save_pretrained(d, safe_serialization=True)
    save_file({"logits": result.logits.float().contiguous()}, os.path.join(d, "expected.safetensors"))
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"input_ids": tokens.tolist(), "loss": result.loss.item(),
                   "transformers": transformers.__version__, "torch": torch.__version__}, f, indent=1)
    print(name, "loss", result.loss.item(), "files", sorted(os.listdir(d)))
    print(open(os.path.join(d, "config.json")).read())
