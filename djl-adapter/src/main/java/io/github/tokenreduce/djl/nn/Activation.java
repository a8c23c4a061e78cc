package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/** MLP activations of the supported models. */
public enum Activation {
    /** {@code x · σ(1.702 x)}: OpenAI CLIP. */
    QUICK_GELU,
    /** Exact (erf) GELU: OpenCLIP, BLIP, BERT. */
    GELU;

    public NDArray apply(NDArray x) {
        return this == QUICK_GELU
                ? x.mul(ai.djl.nn.Activation.sigmoid(x.mul(1.702f)))
                : ai.djl.nn.Activation.gelu(x);
    }

    /** Parses a Hugging Face {@code hidden_act}. */
    public static Activation fromHf(String name) {
        return switch (name) {
            case "quick_gelu" -> QUICK_GELU;
            case "gelu", "gelu_new", "gelu_pytorch_tanh" -> GELU;
            default -> throw new IllegalArgumentException("hidden_act: unsupported activation '" + name
                    + "'; expected quick_gelu or gelu");
        };
    }
}
