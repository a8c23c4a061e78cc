package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.github.tokenreduce.core.TokenSet;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Frees each block's intermediates before the next block runs, so a forward pass holds one block's
 * working set instead of all of them (a ViT-B/16 forward at B = 8 otherwise keeps about 2.6 GB
 * alive, and the allocator's page faults distort every timing).
 *
 * <p>Usage: one {@code BlockScope} per forward pass; {@link #open} a scope at each block, passing
 * the token sets the block reads; {@link Block#keep} the sets the next block reads; after the last
 * block, {@link #handOver} the result to the caller's scope. Arrays of the caller's input sets are
 * never freed here.
 */
final class BlockScope {

    private final Set<NDArray> callerOwned = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Marks the arrays of the caller's {@code inputs} as not ours to free. */
    BlockScope(TokenSet... inputs) {
        for (TokenSet t : inputs) {
            if (t != null) {
                callerOwned.addAll(t.arrays());
            }
        }
    }

    /** Opens a block: arrays of {@code previous} made by earlier blocks are freed at its end unless kept. */
    Block open(TokenSet... previous) {
        NDScope scope = new NDScope();
        for (TokenSet t : previous) {
            if (t != null) {
                for (NDArray a : t.arrays()) {
                    if (!callerOwned.contains(a)) {
                        NDScope.register(a);
                    }
                }
            }
        }
        return new Block(scope);
    }

    /** Registers the final sets' arrays (those made here) with the caller's scope. */
    void handOver(TokenSet... results) {
        for (TokenSet t : results) {
            if (t != null) {
                for (NDArray a : t.arrays()) {
                    if (!callerOwned.contains(a)) {
                        NDScope.register(a);
                    }
                }
            }
        }
    }

    /** One block's scope. */
    static final class Block implements AutoCloseable {
        private final NDScope scope;

        private Block(NDScope scope) {
            this.scope = scope;
        }

        /** Keeps {@code next}'s arrays alive past this block. */
        void keep(TokenSet... next) {
            for (TokenSet t : next) {
                if (t != null) {
                    NDScope.unregister(t.arrays());
                }
            }
        }

        @Override
        public void close() {
            scope.close();
        }
    }
}
