package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.RandomClipWeights;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.ModelFamilies;

import java.util.Map;

/**
 * The benchmark's own CLIP: a ViT-B/16 vision tower with random weights on a batch of
 * {@link BenchImages} (ToMe's and CrossGET's main case), with ONNX Runtime Java running the same
 * weights as its peer; {@code bench --engines onnxruntime} writes the weights to a temporary file for the
 * export. A CLIP from files is a {@link FamilyImageWorkload} like any image path.
 */
public final class ClipWorkload {

    private ClipWorkload() {}

    /**
     * A ViT-B/16 CLIP with random weights (throughput only), with ONNX Runtime Java running the same
     * weights as its peer (the vision tower written as an ONNX graph by {@link OnnxClipVision}).
     */
    public static Workload randomVitB16(int batch, BenchImages images) {
        NDManager m = NDManager.newBaseManager();
        m.getEngine().setRandomSeed(42);
        Map<String, NDArray> weights = RandomClipWeights.vitB16(m);
        // OpenAI naming without a config: QuickGELU, as OpenAI's CLIP
        FamilyModel clip = ModelFamilies.recognise(weights.keySet(), "random ViT-B/16 CLIP").wrap(weights, null, m);
        int heads = clip.as(ClipModel.class).config().visionHeads();
        return new FamilyImageWorkload(m, clip, "CLIP ViT-B/16 vision tower (random weights)", batch, null, weights, images,
                pixels -> OrtPeer.open(OnnxClipVision.write(weights, (int) pixels.getShape().get(0), heads), "pixels",
                        pixels));
    }
}
