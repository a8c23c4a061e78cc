package io.github.tokenreduce.cli.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.RandomClipWeights;
import io.github.tokenreduce.djl.nn.Activation;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The ONNX graph written for the bench peer computes what tokenreduce's CLIP computes, per ONNX Runtime. */
class OnnxClipVisionTest {

    @Test
    void onnxRuntimeOnTheWrittenGraphEqualsTheClipModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            // width 128 (2 heads of 64), 2 layers, 64 px at patch 16: 17 tokens
            Map<String, NDArray> w = RandomClipWeights.generate(m, new RandomClipWeights.Geometry(128, 2, 16, 64, 64, 1, 8,
                    100, 32, 4), RandomClipWeights.Values.TRAINED_SCALE);
            for (Map.Entry<String, NDArray> e : w.entrySet()) { // every bias and norm non-trivial
                Shape s = e.getValue().getShape();
                NDArray r = m.randomNormal(0f, 0.05f, s, DataType.FLOAT32);
                e.setValue(e.getKey().endsWith("ln_1.weight") || e.getKey().endsWith("ln_2.weight")
                        || e.getKey().contains("ln_p") && e.getKey().endsWith(".weight") ? r.add(1f) : r);
            }
            int batch = 3;
            NDArray pixels = m.randomNormal(new Shape(batch, 3, 64, 64));
            float[][] ours = Tensors.rows(ClipModel.of(w, m, Activation.QUICK_GELU).encodeImages(pixels));
            float[][] ort; // written after the model took the same tensors, as the bench does
            try (OrtPeer peer = OrtPeer.open(OnnxClipVision.write(w, batch, 2), "pixels", pixels)) {
                ort = peer.run();
            }
            assertEquals(batch, ort.length);
            double worst = 0;
            for (int b = 0; b < batch; b++) {
                double norm = 0;
                for (float v : ort[b]) {
                    norm += v * v;
                }
                for (int i = 0; i < ort[b].length; i++) {
                    worst = Math.max(worst, Math.abs(ort[b][i] / Math.sqrt(norm) - ours[b][i]));
                }
            }
            assertTrue(worst < 1e-4, "ONNX Runtime vs tokenreduce, max abs difference " + worst);
        }
    }
}
