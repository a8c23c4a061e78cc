package io.github.tokenreduce.bench.step;

import io.github.tokenreduce.cli.measure.Interleaved;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times one reduction step per method ({@link StepCost}) for one or more builds of the core.
 *
 * <pre>{@code
 * java -Dai.djl.offline=true -cp benchmarks/target/classes:<classpath> \
 *     io.github.tokenreduce.bench.step.StepCostMain [--rounds 5] [--steps 20] [--methods tome,crossget] \
 *     [CORE_CLASSES_DIR ...]
 * }</pre>
 *
 * With no directory the core on the class path is timed. With directories (e.g. a copy of
 * {@code core/target/classes} from another commit and this one) each build is loaded in its own
 * class loader and the builds are timed in interleaved rounds, so a loaded machine slows all alike;
 * the medians per build (wall time and the calling thread's CPU time, which is the step's cost when
 * {@code OMP_NUM_THREADS=1} keeps the native work on that thread) and their ratios to the first
 * build are printed, with the arrays one step creates.
 */
public final class StepCostMain {

    private StepCostMain() {}

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        int steps = 20;
        String[] methods = {"tome", "crossget", "madtp", "pumer"};
        List<Path> builds = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--methods" -> methods = args[++i].split(",");
                default -> builds.add(Path.of(args[i]));
            }
        }
        List<ClassLoader> loaders = new ArrayList<>();
        if (builds.isEmpty()) {
            loaders.add(StepCostMain.class.getClassLoader());
        }
        Path own = Path.of(StepCostMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path b : builds) {
            if (!Files.isDirectory(b)) {
                throw new IOException("build: " + b + " is not a directory of core classes");
            }
            loaders.add(new ChildFirst(new URL[] {b.toUri().toURL(), own.toUri().toURL()},
                    StepCostMain.class.getClassLoader()));
        }
        for (String m : methods) {
            double[][] ms = new double[loaders.size()][rounds];
            double[][] cpu = new double[loaders.size()][rounds];
            double[] arrays = new double[loaders.size()];
            double[] check = new double[loaders.size()];
            Object[] sites = new Object[loaders.size()];
            Method[] run = new Method[loaders.size()];
            for (int k = 0; k < loaders.size(); k++) {
                Class<?> c = Class.forName(StepCost.class.getName(), true, loaders.get(k));
                sites[k] = c.getConstructor(String.class, int.class).newInstance(m, 8);
                run[k] = c.getMethod("run", int.class);
                run[k].invoke(sites[k], 3); // warm-up
            }
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < loaders.size(); k++) {
                    double[] out = (double[]) run[k].invoke(sites[k], steps);
                    ms[k][r] = out[0];
                    cpu[k][r] = out[3];
                    arrays[k] = out[1];
                    check[k] = out[2];
                }
            }
            double base = Interleaved.median(ms[0]);
            double baseCpu = Interleaved.median(cpu[0]);
            for (int k = 0; k < loaders.size(); k++) {
                double med = Interleaved.median(ms[k]);
                double medCpu = Interleaved.median(cpu[k]);
                System.out.printf(Locale.ROOT, "%-9s build %d  wall %8.3f ms/step (ratio %.2f)  thread CPU %8.3f ms/step"
                        + " (ratio %.2f)  %5.0f arrays/step  checksum %.6g  %s%n", m, k, med, base / med, medCpu,
                        baseCpu / medCpu, arrays[k], check[k], builds.isEmpty() ? "class path" : builds.get(k));
            }
        }
    }

    /** Loads the tokenreduce classes from its own URLs first, everything else from the parent. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.github.tokenreduce.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
