package io.github.tokenreduce.djl.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import io.github.tokenreduce.djl.weights.WeightStore;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each row of the block table reads a block written under that naming's real names (spelled here as
 * the checkpoints spell them) into the same weights: fused or split q/k/v, transposed linears, norms,
 * LayerScale.
 */
class BlockNamingTest {

    private static final int W = 8;
    private static final int MLP = 16;

    /** One block's parameters under role names, the same numbers for every naming. */
    private static Map<String, NDArray> parameters(NDManager m) {
        m.getEngine().setRandomSeed(11);
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("ln1.w", m.randomNormal(new Shape(W)));
        p.put("ln1.b", m.randomNormal(new Shape(W)));
        p.put("qkv.w", m.randomNormal(new Shape(3 * W, W)));
        p.put("qkv.b", m.randomNormal(new Shape(3 * W)));
        p.put("out.w", m.randomNormal(new Shape(W, W)));
        p.put("out.b", m.randomNormal(new Shape(W)));
        p.put("ln2.w", m.randomNormal(new Shape(W)));
        p.put("ln2.b", m.randomNormal(new Shape(W)));
        p.put("fc1.w", m.randomNormal(new Shape(MLP, W)));
        p.put("fc1.b", m.randomNormal(new Shape(MLP)));
        p.put("fc2.w", m.randomNormal(new Shape(W, MLP)));
        p.put("fc2.b", m.randomNormal(new Shape(W)));
        p.put("ls1", m.randomNormal(new Shape(W)));
        p.put("ls2", m.randomNormal(new Shape(W)));
        return p;
    }

    /**
     * The parameters as {@code prefix + "0."} tensors named {@code names} (role → name); q/k/v split
     * into three when {@code names} has {@code q}, {@code k}, {@code v} modules instead of {@code qkv.w}.
     */
    private static Map<String, NDArray> named(Map<String, NDArray> p, String prefix, Map<String, String> names) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        String b = prefix + "0.";
        for (Map.Entry<String, String> n : names.entrySet()) {
            String role = n.getKey();
            if (role.length() == 1) { // separate q, k or v module
                int part = "qkv".indexOf(role);
                NDList w = p.get("qkv.w").split(3, 0);
                NDList bias = p.get("qkv.b").split(3, 0);
                out.put(b + n.getValue() + ".weight", w.get(part));
                out.put(b + n.getValue() + ".bias", bias.get(part));
            } else if (role.endsWith(".w") && !role.startsWith("qkv")) {
                out.put(b + n.getValue() + ".weight", p.get(role));
                out.put(b + n.getValue() + ".bias", p.get(role.replace(".w", ".b")));
            } else {
                out.put(b + n.getValue(), p.get(role));
            }
        }
        return out;
    }

    private static void assertReadsTheParameters(BlockNaming naming, Map<String, NDArray> p, Map<String, String> names,
            boolean layerScale) {
        WeightStore s = new WeightStore(naming.name(), named(p, "blocks.", names));
        List<BlockWeights> blocks = naming.read(s, "blocks.", 1, W, MLP, 2, 1e-6f);
        s.finish();
        BlockWeights b = blocks.get(0);
        assertEquals(p.get("qkv.w").transpose(), b.attention().qkvT(), naming.name() + ": q/k/v");
        assertEquals(p.get("qkv.b"), b.attention().qkvB(), naming.name() + ": q/k/v bias");
        assertEquals(p.get("out.w").transpose(), b.attention().outT(), naming.name() + ": output projection");
        assertEquals(p.get("out.b"), b.attention().outB(), naming.name() + ": output bias");
        assertEquals(2, b.attention().heads(), naming.name() + ": heads");
        assertEquals(p.get("ln1.w"), b.ln1().gamma(), naming.name() + ": first norm");
        assertEquals(p.get("ln2.b"), b.ln2().beta(), naming.name() + ": second norm");
        assertEquals(p.get("fc1.w").transpose(), b.fc1T(), naming.name() + ": fc1");
        assertEquals(p.get("fc2.w").transpose(), b.fc2T(), naming.name() + ": fc2");
        assertEquals(p.get("fc2.b"), b.fc2B(), naming.name() + ": fc2 bias");
        assertEquals(layerScale ? p.get("ls1") : null, b.ls1(), naming.name() + ": LayerScale 1");
        assertEquals(layerScale ? p.get("ls2") : null, b.ls2(), naming.name() + ": LayerScale 2");
    }

    @Test
    void everyRowReadsItsNaming() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> p = parameters(m);
            Map<String, String> fusedMlp = Map.of("fc1.w", "mlp.fc1", "fc2.w", "mlp.fc2");
            assertReadsTheParameters(BlockNaming.TIMM, p, merge(Map.of("ln1.w", "norm1", "ln2.w", "norm2",
                    "qkv.w", "attn.qkv.weight", "qkv.b", "attn.qkv.bias", "out.w", "attn.proj", "ls1", "ls1.gamma",
                    "ls2", "ls2.gamma"), fusedMlp), true);
            assertReadsTheParameters(BlockNaming.LAVIS, p, merge(Map.of("ln1.w", "norm1", "ln2.w", "norm2",
                    "qkv.w", "attn.qkv.weight", "qkv.b", "attn.qkv.bias", "out.w", "attn.proj"), fusedMlp), false);
            assertReadsTheParameters(BlockNaming.OPENAI, p, Map.of("ln1.w", "ln_1", "ln2.w", "ln_2",
                    "qkv.w", "attn.in_proj_weight", "qkv.b", "attn.in_proj_bias", "out.w", "attn.out_proj",
                    "fc1.w", "mlp.c_fc", "fc2.w", "mlp.c_proj", "ls1", "ls_1.gamma", "ls2", "ls_2.gamma"), true);
            assertReadsTheParameters(BlockNaming.HF_VIT, p, Map.of("ln1.w", "layernorm_before",
                    "ln2.w", "layernorm_after", "q", "attention.attention.query", "k", "attention.attention.key",
                    "v", "attention.attention.value", "out.w", "attention.output.dense", "fc1.w", "intermediate.dense",
                    "fc2.w", "output.dense"), false);
            assertReadsTheParameters(BlockNaming.HF_CLIP, p, merge(Map.of("ln1.w", "layer_norm1",
                    "ln2.w", "layer_norm2", "q", "self_attn.q_proj", "k", "self_attn.k_proj", "v", "self_attn.v_proj",
                    "out.w", "self_attn.out_proj"), fusedMlp), false);
            assertReadsTheParameters(BlockNaming.HF_BLIP, p, merge(Map.of("ln1.w", "layer_norm1",
                    "ln2.w", "layer_norm2", "qkv.w", "self_attn.qkv.weight", "qkv.b", "self_attn.qkv.bias",
                    "out.w", "self_attn.projection"), fusedMlp), false);
        }
    }

    @Test
    void aMissingQkvBiasIsZeroOnlyWhereTheNamingAllowsIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> p = parameters(m);
            Map<String, String> names = merge(Map.of("ln1.w", "norm1", "ln2.w", "norm2", "qkv.w", "attn.qkv.weight",
                    "out.w", "attn.proj"), Map.of("fc1.w", "mlp.fc1", "fc2.w", "mlp.fc2"));
            WeightStore timm = new WeightStore("timm", named(p, "blocks.", names));
            BlockWeights b = BlockNaming.TIMM.read(timm, "blocks.", 1, W, MLP, 2, 1e-6f).get(0);
            timm.finish();
            assertEquals(0f, b.attention().qkvB().abs().sum().getFloat(), "qkv_bias=False reads as zero");
            assertEquals(new Shape(3 * W), b.attention().qkvB().getShape());
            WeightStore lavis = new WeightStore("lavis", named(p, "blocks.", names));
            assertNull(BlockNaming.LAVIS.read(lavis, "blocks.", 1, W, MLP, 2, 1e-6f).get(0).attention(),
                    "no attention without its bias");
            WeightMismatchException e = assertThrows(WeightMismatchException.class, lavis::finish);
            assertTrue(e.getMessage().contains("blocks.0.attn.qkv.bias"), e.getMessage());
        }
    }

    @Test
    void aRowIsFusedOrSplitNeverBoth() {
        assertThrows(IllegalArgumentException.class, () -> new BlockNaming("both", "n1", "n2", "qkv.weight",
                "qkv.bias", "q", "k", "v", "o", "f1", "f2", null, null, false));
        assertThrows(IllegalArgumentException.class, () -> new BlockNaming("neither", "n1", "n2", null, null, null,
                null, null, "o", "f1", "f2", null, null, false));
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new LinkedHashMap<>(a);
        out.putAll(b);
        return out;
    }
}
