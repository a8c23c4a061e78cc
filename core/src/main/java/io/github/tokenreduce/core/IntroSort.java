package io.github.tokenreduce.core;

/**
 * A faithful emulation of libstdc++'s {@code std::sort} (introsort: median-of-three quicksort to
 * runs of 16, heapsort past the depth limit, then insertion sort) over indices compared by value.
 * Its order among equal values is what PyTorch's CPU {@code argsort} without {@code stable=True}
 * returns; see {@link io.github.tokenreduce.core.TieBreak#PYTORCH_CPU}.
 */
final class IntroSort {

    private static final int THRESHOLD = 16;

    private final float[] v;
    private final boolean descending;
    private final int[] a;

    private IntroSort(float[] values, boolean descending) {
        this.v = values;
        this.descending = descending;
        this.a = new int[values.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
    }

    /** The permutation {@code std::sort} leaves, starting from indices {@code 0..n-1}. */
    static int[] order(float[] values, boolean descending) {
        IntroSort s = new IntroSort(values, descending);
        int n = values.length;
        if (n > 1) {
            s.loop(0, n, 2 * (31 - Integer.numberOfLeadingZeros(n)));
            s.finalInsertion(0, n);
        }
        return s.a;
    }

    private boolean less(int x, int y) {
        return descending ? v[x] > v[y] : v[x] < v[y];
    }

    private void loop(int first, int last, int depth) {
        while (last - first > THRESHOLD) {
            if (depth == 0) {
                heapSort(first, last);
                return;
            }
            depth--;
            int mid = first + (last - first) / 2;
            medianToFirst(first, first + 1, mid, last - 1);
            int cut = partition(first + 1, last, first);
            loop(cut, last, depth);
            last = cut;
        }
    }

    private void medianToFirst(int result, int x, int y, int z) {
        if (less(a[x], a[y])) {
            if (less(a[y], a[z])) {
                swap(result, y);
            } else if (less(a[x], a[z])) {
                swap(result, z);
            } else {
                swap(result, x);
            }
        } else if (less(a[x], a[z])) {
            swap(result, x);
        } else if (less(a[y], a[z])) {
            swap(result, z);
        } else {
            swap(result, y);
        }
    }

    private int partition(int first, int last, int pivot) {
        while (true) {
            while (less(a[first], a[pivot])) {
                first++;
            }
            last--;
            while (less(a[pivot], a[last])) {
                last--;
            }
            if (first >= last) {
                return first;
            }
            swap(first, last);
            first++;
        }
    }

    private void finalInsertion(int first, int last) {
        if (last - first > THRESHOLD) {
            insertion(first, first + THRESHOLD);
            for (int i = first + THRESHOLD; i < last; i++) {
                linearInsert(i);
            }
        } else {
            insertion(first, last);
        }
    }

    private void insertion(int first, int last) {
        for (int i = first + 1; i < last; i++) {
            int val = a[i];
            if (less(val, a[first])) {
                System.arraycopy(a, first, a, first + 1, i - first);
                a[first] = val;
            } else {
                linearInsert(i);
            }
        }
    }

    private void linearInsert(int last) {
        int val = a[last];
        int next = last - 1;
        while (less(val, a[next])) {
            a[last] = a[next];
            last = next;
            next--;
        }
        a[last] = val;
    }

    /** {@code std::__partial_sort(first, last, last)}: make_heap then sort_heap. */
    private void heapSort(int first, int last) {
        int len = last - first;
        for (int parent = (len - 2) / 2; len > 1 && parent >= 0; parent--) {
            adjustHeap(first, parent, len, a[first + parent]);
        }
        while (last - first > 1) {
            last--;
            int value = a[last];
            a[last] = a[first];
            adjustHeap(first, 0, last - first, value);
        }
    }

    private void adjustHeap(int first, int hole, int len, int value) {
        int top = hole;
        int child = hole;
        while (child < (len - 1) / 2) {
            child = 2 * (child + 1);
            if (less(a[first + child], a[first + child - 1])) {
                child--;
            }
            a[first + hole] = a[first + child];
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2) {
            child = 2 * (child + 1);
            a[first + hole] = a[first + child - 1];
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && less(a[first + parent], value)) {
            a[first + hole] = a[first + parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }
        a[first + hole] = value;
    }

    private void swap(int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
