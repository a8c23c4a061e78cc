package io.github.tokenreduce.djl.weights.torch;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a strided view
 * ({@code offset}, {@code size}, {@code stride}, in elements) of a storage.
 */
record TorchTensor(StorageRef storage, long offset, long[] size, long[] stride) {

    /** Elements in the view. */
    long elements() {
        long n = 1;
        for (long s : size) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }
}
