package io.github.tokenreduce.djl.weights.torch;

/**
 * A storage a persistent id points at: its type, its key (the zip entry {@code data/<key>}, or the
 * legacy format's key), its element count, and, for a legacy view, the element offset into the
 * root storage.
 */
record StorageRef(StorageType type, String key, long numel, long viewOffset) {}
