package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.djl.family.OnnxExporter;
import io.github.tokenreduce.djl.site.Levels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One image path on a batch of {@link BenchImages}: the base of {@link FamilyImageWorkload}. */
abstract class ImageWorkload implements Workload {

    protected final NDManager manager;
    protected final NDArray pixels;
    private final AutoCloseable model;
    private final List<OrtPeer> sessions = new ArrayList<>();

    protected final BenchImages images;

    ImageWorkload(NDManager manager, AutoCloseable model, int batch, int imageSize, BenchImages images) {
        this.manager = manager;
        this.model = model;
        this.images = images;
        this.pixels = images.batch(manager, batch, imageSize);
    }

    @Override
    public String unit() {
        return "images";
    }

    @Override
    public int items() {
        return (int) pixels.getShape().get(0);
    }

    @Override
    public List<String> methods() {
        return Levels.METHODS;
    }

    @Override
    public List<Double> defaultLevels() {
        return List.of(8.0, 16.0);
    }

    @Override
    public Schedule schedule(String method, double level) {
        return Levels.visionSchedule(level);
    }

    /**
     * The graph {@code writer} exports (to a temporary file, checked against the eager model there) run
     * by ONNX Runtime on the workload's pixels, held in memory until {@link #close}: its token counts from
     * {@code tokens_per_layer}, its outputs those {@code exporter} reads from its graph
     * ({@link OnnxExporter#outputs}), its FLOPs those of {@code eager} for the same counts.
     */
    Forward exportedForward(OrtPeer.GraphWriter writer, OnnxExporter exporter, Forward eager) {
        OrtPeer ort = OrtPeer.exported(writer, Map.of("pixels", pixels));
        sessions.add(ort);
        return new Forward() {
            @Override
            public int[] run() {
                return ort.tokensPerLayer();
            }

            @Override
            public double flops(int[] tokensPerLayer) {
                return eager.flops(tokensPerLayer);
            }

            @Override
            public float[][] outputs() {
                return exporter.outputs((float[][]) ort.run(exporter.output()));
            }
        };
    }

    @Override
    public void close() {
        sessions.forEach(OrtPeer::close);
        try {
            model.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            manager.close();
        }
    }
}
