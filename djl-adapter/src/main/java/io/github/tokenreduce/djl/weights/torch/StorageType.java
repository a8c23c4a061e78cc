package io.github.tokenreduce.djl.weights.torch;

/** PyTorch's typed storages as {@code torch.save} names them, with their element size. */
enum StorageType {
    FLOAT("FloatStorage", 4),
    HALF("HalfStorage", 2),
    BFLOAT16("BFloat16Storage", 2),
    DOUBLE("DoubleStorage", 8),
    LONG("LongStorage", 8),
    INT("IntStorage", 4),
    SHORT("ShortStorage", 2),
    CHAR("CharStorage", 1),
    BYTE("ByteStorage", 1),
    BOOL("BoolStorage", 1);

    final String className;
    final int bytes;

    StorageType(String className, int bytes) {
        this.className = className;
        this.bytes = bytes;
    }

    /** Whether the values become float32 (else int64). */
    boolean floating() {
        return this == FLOAT || this == HALF || this == BFLOAT16 || this == DOUBLE;
    }

    /** The type of {@code torch.<name>}, or null. */
    static StorageType of(String name) {
        for (StorageType t : values()) {
            if (t.className.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
