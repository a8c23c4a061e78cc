package io.github.tokenreduce.djl.weights.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A restricted pickle machine: it reads the opcodes {@code torch.save} writes (protocols 2 to 5)
 * and builds plain Java values, and never executes anything. Every {@code GLOBAL} is checked against
 * an allow-list the moment it is read; any other global ends the read with an error naming it,
 * before any {@code REDUCE} could use it. Memory and work are bounded by the input: every length is
 * checked against the bytes left before anything is allocated, and the stack and memo are capped.
 *
 * <p>Values: {@code None} → null, bool → Boolean, int → Long (BigInteger beyond 64 bits), float →
 * Double, str → String, bytes → byte[], list → ArrayList, tuple → an unmodifiable List, dict and
 * {@code OrderedDict} → LinkedHashMap, set → LinkedHashSet, a persistent id → whatever the
 * persistent loader returns, and {@code REDUCE} of an allowed callable → what {@link Callables}
 * returns for it.
 */
final class Unpickler {

    /** What an allowed global does when a {@code REDUCE} calls it. */
    interface Callables {
        /** Whether {@code module.name} may appear at all. */
        boolean allowed(String module, String name);

        /** Calls an allowed global with its arguments. */
        Object call(Global global, List<Object> args);
    }

    /** A global reference {@code module.name} (allowed by the time it exists). */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };
    private static final int MAX_STACK = 1 << 22;
    private static final int MAX_MEMO = 1 << 22;

    private final ByteBuffer in;
    private final String source;
    private final Callables callables;
    private final Function<Object, Object> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(ByteBuffer in, String source, Callables callables, Function<Object, Object> persistentLoad) {
        this.in = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
        this.callables = callables;
        this.persistentLoad = persistentLoad;
    }

    /**
     * Reads one pickle from {@code in} (advancing its position past {@code STOP}).
     *
     * @param source the entry's name for messages
     */
    static Object load(ByteBuffer in, String source, Callables callables, Function<Object, Object> persistentLoad) {
        Unpickler u = new Unpickler(in, source, callables, persistentLoad);
        Object result = u.run();
        in.position(u.in.position());
        return result;
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) {
                throw corrupt("ends before STOP (truncated)");
            }
            int at = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > 5) {
                        throw corrupt("pickle protocol " + v + " is newer than 5");
                    }
                }
                case 0x95 -> need(8).getLong(); // FRAME: a length hint only
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw corrupt("STOP with " + stack.size() + " values on the stack (expected 1)");
                    }
                    return stack.get(0);
                }
                case '(' -> marks.add(stack.size()); // MARK
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw corrupt("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) need(4).getInt()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (need(2).getShort() & 0xffff)); // BININT2
                case 0x8a -> push(longOf(u8())); // LONG1
                case 0x8b -> push(longOf(length(need(4).getInt()))); // LONG4
                case 'G' -> push(need(8).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(length(need(4).getInt()))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(need(8).getLong()))); // BINUNICODE8
                case 'T' -> push(latin1(length(need(4).getInt()))); // BINSTRING
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case 'B' -> push(bytes(length(need(4).getInt()))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(length(need(8).getLong()))); // BINBYTES8
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(List.of()); // EMPTY_TUPLE
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 'd' -> push(dictOf(popMark())); // DICT
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 't' -> push(Collections.unmodifiableList(popMark())); // TUPLE
                case 0x85 -> push(tuple(1)); // TUPLE1
                case 0x86 -> push(tuple(2)); // TUPLE2
                case 0x87 -> push(tuple(3)); // TUPLE3
                case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark()))); // FROZENSET
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) {
                        throw corrupt("SETITEMS with an odd number of values");
                    }
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    if (!(peek() instanceof Set<?>)) {
                        throw corrupt("ADDITEMS on a " + typeName(peek()));
                    }
                    @SuppressWarnings("unchecked")
                    Set<Object> set = (Set<Object>) peek();
                    set.addAll(items);
                }
                case 'Q' -> push(persistentLoad.apply(pop())); // BINPERSID
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object fn = pop();
                    if (!(fn instanceof Global g)) {
                        throw corrupt("REDUCE of a " + typeName(fn) + ", not an allowed global");
                    }
                    if (!(args instanceof List<?> a)) {
                        throw corrupt("REDUCE of " + g + " with " + typeName(args) + " arguments, not a tuple");
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> argList = (List<Object>) a;
                    push(callables.call(g, argList));
                }
                case 'b' -> { // BUILD: attributes of a dict-like object (e.g. _metadata) are dropped
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Map<?, ?>) && !(target instanceof TorchTensor)) {
                        throw corrupt("BUILD of a " + typeName(target) + " (state " + typeName(state) + ")");
                    }
                }
                case 0x81, 0x92 -> throw corrupt("object construction (" + (op == 0x81 ? "NEWOBJ" : "NEWOBJ_EX")
                        + ") is not allowed in a state dict");
                case 'i', 'o' -> throw corrupt("object construction (" + (op == 'i' ? "INST" : "OBJ")
                        + ") is not allowed in a state dict");
                default -> throw corrupt(String.format("unsupported pickle opcode 0x%02x at byte %d", op, at));
            }
        }
    }

    private Global global(String module, String name) {
        if (!callables.allowed(module, name)) {
            throw new IllegalArgumentException("forbidden pickle global " + module + "." + name + " in " + source
                    + ": only tensor-rebuild functions, storage types, OrderedDict and plain values may appear in a "
                    + "state dict; nothing was loaded and nothing was run");
        }
        return new Global(module, name);
    }

    private String line() {
        int start = in.position();
        while (in.hasRemaining()) {
            if (in.get() == '\n') {
                byte[] b = new byte[in.position() - start - 1];
                in.duplicate().position(start).get(b);
                return new String(b, StandardCharsets.UTF_8);
            }
            if (in.position() - start > 1024) {
                throw corrupt("a GLOBAL name longer than 1024 bytes");
            }
        }
        throw corrupt("ends inside a GLOBAL name (truncated)");
    }

    private Map<Object, Object> dictOf(List<Object> items) {
        if (items.size() % 2 != 0) {
            throw corrupt("DICT with an odd number of values");
        }
        Map<Object, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
        return d;
    }

    private List<Object> tuple(int n) {
        if (stack.size() - floor() < n) {
            throw corrupt("TUPLE" + n + " with fewer than " + n + " values on the stack");
        }
        List<Object> t = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        for (int i = 0; i < n; i++) {
            stack.remove(stack.size() - 1);
        }
        return Collections.unmodifiableList(t);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw corrupt("a MARK-terminated opcode without a MARK");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private int floor() {
        return marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    }

    private void push(Object v) {
        if (stack.size() >= MAX_STACK) {
            throw corrupt("more than " + MAX_STACK + " values on the stack");
        }
        stack.add(v);
    }

    private Object pop() {
        if (stack.size() <= floor()) {
            throw corrupt("pops an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.size() <= floor()) {
            throw corrupt("reads an empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    private void memoPut(long index) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
            throw corrupt("more than " + MAX_MEMO + " memo entries");
        }
        memo.put(index, peek());
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw corrupt("reads memo entry " + index + ", which was never stored");
        }
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (!(o instanceof Map<?, ?>)) {
            throw corrupt("SETITEM(S) on a " + typeName(o));
        }
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (!(o instanceof ArrayList<?>)) {
            throw corrupt("APPEND(S) on a " + typeName(o));
        }
        return (List<Object>) o;
    }

    private ByteBuffer need(int n) {
        if (in.remaining() < n) {
            throw corrupt("ends inside an opcode argument (truncated)");
        }
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        b.limit(n);
        in.position(in.position() + n);
        return b;
    }

    private int u8() {
        return need(1).get() & 0xff;
    }

    private long u32() {
        return need(4).getInt() & 0xffffffffL;
    }

    private int length(long n) {
        if (n < 0 || n > in.remaining()) {
            throw corrupt("a length of " + n + " bytes where only " + in.remaining() + " remain (truncated or corrupt)");
        }
        return (int) n;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[length(n)];
        need(n).get(b);
        return b;
    }

    private String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) {
        return new String(bytes(n), StandardCharsets.ISO_8859_1);
    }

    private Object longOf(int n) {
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private IllegalArgumentException corrupt(String what) {
        return new IllegalArgumentException("truncated or corrupt checkpoint: " + source + " " + what);
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
