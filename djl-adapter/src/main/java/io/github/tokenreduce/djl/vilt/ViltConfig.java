package io.github.tokenreduce.djl.vilt;

import java.util.List;

/**
 * ViLT geometry (Kim et al., ICML 2021), from {@code config.json} or inferred from the tensors.
 *
 * @param width hidden size C
 * @param layers pre-LN blocks
 * @param heads attention heads
 * @param mlp MLP width
 * @param patch patch size (32)
 * @param grid position-embedding grid side ({@code image_size / patch}, 12 for 384)
 * @param maxText text position embeddings (40)
 * @param vocab vocabulary size
 * @param eps LayerNorm epsilon of the backbone (HF default 1e-12)
 * @param maxImageLength patch tokens kept per image (-1: the batch's largest valid count)
 * @param labels VQA answer names ({@code id2label}), or empty
 */
public record ViltConfig(int width, int layers, int heads, int mlp, int patch, int grid, int maxText, int vocab,
        float eps, int maxImageLength, List<String> labels) {}
