#!/usr/bin/env python3
"""Writes the low-precision kernel archive that tokenreduce loads through DJL's PyTorch engine.

The archive is a TorchScript module with no parameters: its methods take float32 tensors in and
give float32 tensors out, casting inside the script, so no bfloat16 data type ever crosses DJL's
JNI (DJL 0.35/0.36 abort on one). Weights are prepared once (`prepare_bf16`, `prepare_int8`) and
held by the Java side as opaque handles. See docs/performance.md, "Low precision".

Regenerate (Debian's python3-torch 1.13 made the shipped file; libtorch 2.7 loads it):
    /usr/bin/python3 djl-adapter/src/main/python/make_kernels.py \
        djl-adapter/src/main/resources/io/github/tokenreduce/djl/nn/kernels.pt
"""
import math
import sys
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


class Kernels(torch.nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x

    @torch.jit.export
    def prepare_bf16(self, w_t: Tensor) -> Tensor:
        """[in, out] float32 -> [out, in] bfloat16, contiguous (the layout oneDNN's AMX kernels take)."""
        return w_t.t().contiguous().to(torch.bfloat16)

    @torch.jit.export
    def linear_bf16(self, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        """x [..., in] float32, w [out, in] bfloat16, b [out] float32 -> x w^T + b, float32."""
        return F.linear(x.to(torch.bfloat16), w).to(torch.float32).add_(b)

    @torch.jit.export
    def cast_bf16(self, b: Tensor) -> Tensor:
        """A bias [out] in bfloat16 (for products whose output stays in bfloat16)."""
        return b.to(torch.bfloat16)

    @torch.jit.export
    def feed_forward_bf16(self, x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, quick: bool) -> Tensor:
        """act(x w1^T + b1) w2^T + b2 with the hidden layer in bfloat16: x, b2 and the result float32;
        w1, w2 bfloat16 [out, in]; b1 bfloat16. act: x sigmoid(1.702 x) if quick, else exact GELU."""
        h = F.linear(x.to(torch.bfloat16), w1, b1)
        if quick:
            h = h * torch.sigmoid(1.702 * h)
        else:
            h = F.gelu(h)
        return F.linear(h, w2).to(torch.float32).add_(b2)

    @torch.jit.export
    def attention_bf16(self, q: Tensor, k: Tensor, v: Tensor, bias: Tensor, scale: float) -> Tensor:
        """softmax(q k^T scale + bias) v for q, k, v [B, H, N, d] float32 (views allowed); bias broadcastable
        to [B, H, N, N] float32, or empty for none. Products in bfloat16, logits and softmax in float32."""
        logits = torch.matmul(q.to(torch.bfloat16), k.to(torch.bfloat16).transpose(-2, -1)).to(torch.float32)
        logits.mul_(scale)
        if bias.numel() > 0:
            logits.add_(bias)
        probs = torch.softmax(logits, -1).to(torch.bfloat16)
        return torch.matmul(probs, v.to(torch.bfloat16)).to(torch.float32)

    @torch.jit.export
    def self_attention_bf16(self, x: Tensor, w_qkv: Tensor, b_qkv: Tensor, w_out: Tensor, b_out: Tensor, heads: int,
                            bias: Tensor, mean_keys: bool) -> Tuple[Tensor, Tensor]:
        """The attention sublayer on x [B, N, C] float32 (already normalised), activations in bfloat16 and the
        softmax in float32: w_qkv [3C, C], b_qkv [3C] and w_out [C, C] bfloat16, b_out [C] float32, bias
        broadcastable to [B, H, N, N] float32 or empty. Returns the output [B, N, C] float32 and, if asked,
        the keys averaged over heads [B, N, C / H] float32 (else an empty tensor)."""
        b, n, c = x.size(0), x.size(1), x.size(2)
        d = c // heads
        qkv = F.linear(x.to(torch.bfloat16), w_qkv, b_qkv).view(b, n, 3, heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        logits = torch.matmul(q, k.transpose(-2, -1)).to(torch.float32)
        logits.mul_(1.0 / math.sqrt(d))
        if bias.numel() > 0:
            logits.add_(bias)
        probs = torch.softmax(logits, -1).to(torch.bfloat16)
        o = torch.matmul(probs, v).transpose(1, 2).reshape(b, n, c)
        out = F.linear(o, w_out).to(torch.float32).add_(b_out)
        km = k.to(torch.float32).mean(1) if mean_keys else torch.empty(0)
        return out, km

    @torch.jit.export
    def self_attention_qk_bf16(self, x: Tensor, w_qkv: Tensor, b_qkv: Tensor, w_out: Tensor, b_out: Tensor,
                               heads: int, bias: Tensor, scale: float) -> Tuple[Tensor, Tensor, Tensor]:
        """As self_attention_bf16, also giving the queries and keys [B, N, C] float32 at full width, and
        computing as linear_bf16, attention_bf16 and linear_bf16 in a row do: the q/k/v product in
        bfloat16 with b_qkv [3C] float32 added in float32 (so the keys a method matches on are the
        ones the unfused path gives), the attention products in bfloat16, the softmax in float32.
        Returns (output, queries, keys)."""
        b, n, c = x.size(0), x.size(1), x.size(2)
        d = c // heads
        qkv = F.linear(x.to(torch.bfloat16), w_qkv).to(torch.float32).add_(b_qkv)
        q, k, v = qkv[:, :, :c], qkv[:, :, c:2 * c], qkv[:, :, 2 * c:]
        qh = q.reshape(b, n, heads, d).transpose(1, 2).to(torch.bfloat16)
        kh = k.reshape(b, n, heads, d).transpose(1, 2).to(torch.bfloat16)
        vh = v.reshape(b, n, heads, d).transpose(1, 2).to(torch.bfloat16)
        logits = torch.matmul(qh, kh.transpose(-2, -1)).to(torch.float32)
        logits.mul_(scale)
        if bias.numel() > 0:
            logits.add_(bias)
        probs = torch.softmax(logits, -1).to(torch.bfloat16)
        o = torch.matmul(probs, vh).transpose(1, 2).reshape(b, n, c)
        out = F.linear(o, w_out).to(torch.float32).add_(b_out)
        return out, q.contiguous(), k.contiguous()

    @torch.jit.export
    def prepare_int8(self, w_t: Tensor, b: Tensor) -> torch.classes.quantized.LinearPackedParamsBase:
        """[in, out] float32 -> symmetric per-output-channel int8 weights, packed for the CPU kernels."""
        w = w_t.t().contiguous()
        scale = w.abs().amax(dim=1).clamp_min(1e-12) / 127.0
        zero = torch.zeros(w.size(0), dtype=torch.long)
        q = torch.quantize_per_channel(w, scale.to(torch.double), zero, 0, torch.qint8)
        return torch.ops.quantized.linear_prepack(q, b)

    @torch.jit.export
    def linear_int8(self, x: Tensor, packed: torch.classes.quantized.LinearPackedParamsBase,
                    reduce_range: bool) -> Tensor:
        """Dynamic quantization: x quantized per tensor (uint8, range from x), int8 GEMM, float32 out.
        With `reduce_range` x takes 7 bits, which keeps 16-bit pairwise sums (AVX2's kernels) from
        saturating; without it all 8 bits, for CPUs whose kernels sum in 32 bits (AVX512-VNNI)."""
        return torch.ops.quantized.linear_dynamic(x, packed, reduce_range)


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.jit.script(Kernels()).save(sys.argv[1])
