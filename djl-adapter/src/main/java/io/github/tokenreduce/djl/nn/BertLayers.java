package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.github.tokenreduce.djl.weights.WeightStore;

/**
 * Hugging Face BERT layer names ({@code attention.self.query}, {@code attention.output.dense},
 * {@code attention.output.LayerNorm}, optional {@code crossattention.*}, {@code intermediate.dense},
 * {@code output.dense}, {@code output.LayerNorm}), shared by BLIP's text encoder and the BERT
 * sentence encoders.
 */
public final class BertLayers {

    private BertLayers() {}

    /**
     * The layer {@code p} ({@code ...encoder.layer.N.}) of width {@code tw}, with its
     * cross-attention (keys and values from width {@code vw}) when the store has one.
     */
    public static BertLayerWeights huggingFace(WeightStore s, String p, int tw, int vw, int inter, int heads, float eps) {
        String a = p + "attention.";
        NDArray q = s.take(a + "self.query.weight", tw, tw);
        NDArray qb = s.take(a + "self.query.bias", tw);
        NDArray k = s.take(a + "self.key.weight", tw, tw);
        NDArray kb = s.take(a + "self.key.bias", tw);
        NDArray v = s.take(a + "self.value.weight", tw, tw);
        NDArray vb = s.take(a + "self.value.bias", tw);
        NDArray o = s.take(a + "output.dense.weight", tw, tw);
        NDArray ob = s.take(a + "output.dense.bias", tw);
        AttentionWeights self = WeightStore.anyMissing(q, qb, k, kb, v, vb, o, ob) ? null
                : AttentionWeights.ofSeparate(q, qb, k, kb, v, vb, o, ob, heads);
        String x = p + "crossattention.";
        boolean cross = s.has(x + "self.query.weight");
        NDArray cq = null;
        NDArray cqb = null;
        NDArray ckv = null;
        NDArray ckvb = null;
        NDArray co = null;
        NDArray cob = null;
        LayerNormWeights cln = null;
        if (cross) {
            cq = s.takeTransposed(x + "self.query.weight", tw, tw);
            cqb = s.take(x + "self.query.bias", tw);
            NDArray ck = s.take(x + "self.key.weight", tw, vw);
            NDArray cv = s.take(x + "self.value.weight", tw, vw);
            NDArray ckb = s.take(x + "self.key.bias", tw);
            NDArray cvb = s.take(x + "self.value.bias", tw);
            if (!WeightStore.anyMissing(ck, cv, ckb, cvb)) {
                ckv = NDArrays.concat(new NDList(ck, cv), 0).transpose();
                ckvb = NDArrays.concat(new NDList(ckb, cvb), 0);
            }
            co = s.takeTransposed(x + "output.dense.weight", tw, tw);
            cob = s.take(x + "output.dense.bias", tw);
            cln = LayerNormWeights.take(s, x + "output.LayerNorm", tw, eps);
        }
        return new BertLayerWeights(self, LayerNormWeights.take(s, a + "output.LayerNorm", tw, eps), cq, cqb, ckv, ckvb, co,
                cob, cln, s.takeTransposed(p + "intermediate.dense.weight", inter, tw), s.take(p + "intermediate.dense.bias", inter),
                s.takeTransposed(p + "output.dense.weight", tw, inter), s.take(p + "output.dense.bias", tw),
                LayerNormWeights.take(s, p + "output.LayerNorm", tw, eps));
    }
}
