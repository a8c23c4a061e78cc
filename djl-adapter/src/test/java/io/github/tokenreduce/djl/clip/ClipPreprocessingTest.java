package io.github.tokenreduce.djl.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class ClipPreprocessingTest {

    @TempDir
    Path tmp;

    @Test
    void tokenizerAddsStartAndEndPadsWithEndAndKeepsEndWhenTruncating() throws Exception {
        Path json = tmp.resolve("tokenizer.json");
        String special = "{\"id\":%d,\"content\":\"%s\",\"single_word\":false,\"lstrip\":false,"
                + "\"rstrip\":false,\"normalized\":false,\"special\":true}";
        Files.writeString(json, "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                + String.format(special, 5, ClipTokenizer.START) + "," + String.format(special, 6, ClipTokenizer.END)
                + "],\"normalizer\":{\"type\":\"Lowercase\"},\"pre_tokenizer\":{\"type\":\"Whitespace\"},"
                + "\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":"
                + "{\"a\":0,\"photo\":1,\"of\":2,\"cat\":3,\"[UNK]\":4,\"<|startoftext|>\":5,\"<|endoftext|>\":6},"
                + "\"unk_token\":\"[UNK]\"}}");
        try (ClipTokenizer tok = ClipTokenizer.load(json, 8)) {
            long[][] ids = tok.encode(List.of("A photo of a CAT", "a a a a a a a a a a dog"));
            assertArrayEquals(new long[] {5, 0, 1, 2, 0, 3, 6, 6}, ids[0]);
            assertArrayEquals(new long[] {5, 0, 0, 0, 0, 0, 0, 6}, ids[1]);
            assertEquals(6, tok.endId());
        }
    }

    @Test
    void constantImagesBecomeClipNormalisedValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(200, 100, 50));
            g.fillRect(0, 0, 300, 200);
            g.dispose();
            NDArray t = new ClipImageProcessor(224).toTensor(m, img);
            assertEquals(new Shape(3, 224, 224), t.getShape());
            int[] rgb = {200, 100, 50};
            for (int c = 0; c < 3; c++) {
                float expected = (rgb[c] / 255f - ClipImageProcessor.MEAN[c]) / ClipImageProcessor.STD[c];
                NDArray ch = t.get(c);
                assertEquals(expected, ch.min().getFloat(), 1e-4);
                assertEquals(expected, ch.max().getFloat(), 1e-4);
            }
        }
    }

    @Test
    void wideImagesAreCentreCroppedKeepingOrientationAndChannels() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 448 x 224: left quarter red, right quarter blue, middle green. Resize keeps 448 x 224,
            // the centre crop keeps columns 112..335: green only, except the edges next to red/blue.
            BufferedImage img = new BufferedImage(448, 224, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.RED);
            g.fillRect(0, 0, 100, 224);
            g.setColor(Color.GREEN);
            g.fillRect(100, 0, 248, 224);
            g.setColor(Color.BLUE);
            g.fillRect(348, 0, 100, 224);
            g.dispose();
            NDArray t = new ClipImageProcessor(224).toTensor(m, img);
            float green = (1f - ClipImageProcessor.MEAN[1]) / ClipImageProcessor.STD[1];
            assertEquals(green, t.getFloat(1, 100, 112), 1e-4);
            // a 2:1 image of 896 x 448 shrinks 2x with antialiasing: the red | green edge blends
            BufferedImage big = new BufferedImage(896, 448, BufferedImage.TYPE_INT_RGB);
            Graphics2D g2 = big.createGraphics();
            g2.setColor(Color.RED);
            g2.fillRect(0, 0, 448, 448);
            g2.setColor(Color.BLUE);
            g2.fillRect(448, 0, 448, 448);
            g2.dispose();
            NDArray b = new ClipImageProcessor(224).toTensor(m, big);
            float red = (1f - ClipImageProcessor.MEAN[0]) / ClipImageProcessor.STD[0];
            float noRed = (0f - ClipImageProcessor.MEAN[0]) / ClipImageProcessor.STD[0];
            assertEquals(red, b.getFloat(0, 50, 0), 1e-4, "left edge of the crop is red");
            assertEquals(noRed, b.getFloat(0, 50, 223), 1e-4, "right edge of the crop has no red");
            float mid = b.getFloat(0, 50, 112);
            assertTrue(mid > noRed && mid < red, "pixels at the colour edge are blended: " + mid);
        }
    }

    @Test
    void zeroShotAndRetrievalAgreeWithTheReferenceLogits() throws Exception {
        Path dir = Shared.dir().resolve("fixtures/clip/tiny-vit-b16");
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir.resolve("hf"), Device.cpu())) {
            Map<String, NDArray> in = Safetensors.load(dir.resolve("inputs.safetensors"), m, Device.cpu());
            Map<String, NDArray> exp = Safetensors.load(dir.resolve("expected.safetensors"), m, Device.cpu());
            long[][] ids = Shared.rows(in.get("input_ids"));
            long[][][] classes = {{ids[0]}, {ids[1]}, {ids[2]}};
            NDArray probs = clip.classify(in.get("pixel_values"), classes);
            NDArray expected = exp.get("logits_per_image").softmax(1);
            assertTrue(Shared.maxDiff(expected, probs) < 1e-4, "zero-shot probabilities");
            long[][] top = ClipModel.topK(exp.get("logits_per_image"), 3);
            long[][] ours = ClipModel.topK(clip.logitsPerImage(in.get("pixel_values"), ids), 3);
            assertArrayEquals(top, ours);
        }
    }
}
