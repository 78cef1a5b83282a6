package org.lomospark.trainer.model;

import org.bytedeco.pytorch.Tensor;

/**
 * What every block of one forward pass shares: the rotary tables (cos, and sin with its first half negated), (T, hs)
 * for positions 0..T-1 or (B, 1, T, hs) for each row's own positions, and, for padded batches or a decoding step,
 * the attention mask ({@code null} means plain causal attention, which lets SDPA pick its fused causal kernels).
 */
public record ForwardContext(Tensor cos, Tensor sin, Tensor mask) {}
