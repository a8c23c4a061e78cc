package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.djl.site.Levels;

import java.util.List;

/** One image path on a batch of random normalised pixels: the base of {@link FamilyImageWorkload}. */
abstract class ImageWorkload implements Workload {

    protected final NDManager manager;
    protected final NDArray pixels;
    private final AutoCloseable model;

    ImageWorkload(NDManager manager, AutoCloseable model, int batch, int imageSize) {
        this.manager = manager;
        this.model = model;
        this.pixels = manager.randomNormal(new Shape(batch, 3, imageSize, imageSize));
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

    @Override
    public void close() {
        try {
            model.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            manager.close();
        }
    }
}
