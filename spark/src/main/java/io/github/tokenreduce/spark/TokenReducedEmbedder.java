package io.github.tokenreduce.spark;

import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.site.Site;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A Spark ML {@link Transformer} that embeds an image column (binary content, e.g. the
 * {@code binaryFile} source's {@code content}, or image paths) or a text column with a token-reduced
 * model, adding an {@code array<float>} embedding column (L2-normalised) and an error column.
 *
 * <p>Models: a CLIP folder or file (its image tower, or its text tower with {@code tower=text}) or
 * a bundled BERT sentence encoder ({@code all-minilm-l6-v2}, ...). The method comes from a
 * {@code schedule.json} ({@code tokenreduce calibrate}) or from {@code method} and {@code level}
 * (r for images, share of tokens kept for texts). Each executor JVM loads the model once, on first
 * use, and shares it between its tasks; rows are embedded in batches within each partition. A row
 * that cannot be decoded or embedded gets a null embedding and a message in the error column; a
 * missing or corrupt model fails {@link #transform} on the driver.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("s3://bucket/images/");
 * Dataset<Row> out = new TokenReducedEmbedder().setModel("/models/clip-vit-base-patch16")
 *         .setInputCol("content").setMethod("tome").setLevel(16).transform(images);
 * }</pre>
 */
public final class TokenReducedEmbedder extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> model;
    private final Param<String> tower;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> errorCol;
    private final Param<String> method;
    private final DoubleParam level;
    private final Param<String> scheduleFile;
    private final IntParam batchSize;
    private final Param<String> device;
    private final IntParam threads;
    private final Param<String> precision;
    private final Param<String> engine;

    public TokenReducedEmbedder() {
        this(Identifiable$.MODULE$.randomUID("tokenReducedEmbedder"));
    }

    public TokenReducedEmbedder(String uid) {
        this.uid = uid;
        this.model = new Param<>(uid, "model",
                "a CLIP folder or file (on every executor), or a bundled sentence encoder name");
        this.tower = new Param<>(uid, "tower",
                "what to embed: auto (CLIP: image; encoders: text), image or text", ParamValidators.inArray(
                    new String[] {"auto", "image", "text"}));
        this.inputCol = new Param<>(uid, "inputCol",
                "input column: image bytes, image paths, or texts");
        this.outputCol = new Param<>(uid, "outputCol", "embedding column, array<float>");
        this.errorCol = new Param<>(uid, "errorCol",
                "error column: null, or why the row has no embedding");
        this.method = new Param<>(uid, "method", "none, auto (the model's documented default), tome, crossget or madtp",
                ParamValidators.inArray(new String[] {"none", "auto", "tome", "crossget", "madtp"}));
        this.level = new DoubleParam(uid, "level",
                "reduction level: r for images (default 16), share of tokens kept per layer for texts (default: the "
                + "model's documented level)");
        this.scheduleFile = new Param<>(uid, "scheduleFile",
                "a reducer spec (schedule.json from tokenreduce calibrate), read on the driver; overrides method");
        this.batchSize = new IntParam(uid, "batchSize", "rows per forward", ParamValidators.gtEq(1));
        this.device = new Param<>(uid, "device", "cpu or gpu",
                ParamValidators.inArray(new String[] {"cpu", "gpu"}));
        this.threads = new IntParam(uid, "threads",
                "libtorch intra-op threads per executor JVM (0: libtorch's default)", ParamValidators.gtEq(0));
        setDefault(tower, "auto");
        setDefault(outputCol, "embedding");
        setDefault(errorCol, "embedding_error");
        setDefault(method, "none");
        setDefault(batchSize, 16);
        setDefault(device, "cpu");
        this.precision = new Param<>(uid, "precision", "linear layers in fp32, bf16, int8 or auto (bf16 where the CPU "
                + "has bfloat16 instructions; a precision the CPU lacks runs float32)",
                ParamValidators.inArray(new String[] {"fp32", "bf16", "int8", "auto"}));
        this.engine = new Param<>(uid, "engine", "pytorch (the model block by block) or onnxruntime (images, or a "
                + "bundled sentence encoder's texts, through the model exported as one ONNX graph with its reduction "
                + "inside; precision fp32, int8 or auto = int8)",
                ParamValidators.inArray(new String[] {"pytorch", "onnxruntime"}));
        setDefault(threads, 0);
        setDefault(precision, "fp32");
        setDefault(engine, "pytorch");
    }

    @Override
    public String uid() {
        return uid;
    }

    // Params, as Spark ML discovers them (public no-argument methods returning a Param)

    public Param<String> model() {
        return model;
    }

    public Param<String> tower() {
        return tower;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public Param<String> method() {
        return method;
    }

    public DoubleParam level() {
        return level;
    }

    public Param<String> scheduleFile() {
        return scheduleFile;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> device() {
        return device;
    }

    public IntParam threads() {
        return threads;
    }

    public Param<String> precision() {
        return precision;
    }

    public Param<String> engine() {
        return engine;
    }

    public TokenReducedEmbedder setModel(String v) {
        set(model, v);
        return this;
    }

    public TokenReducedEmbedder setTower(String v) {
        set(tower, v);
        return this;
    }

    public TokenReducedEmbedder setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public TokenReducedEmbedder setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public TokenReducedEmbedder setErrorCol(String v) {
        set(errorCol, v);
        return this;
    }

    public TokenReducedEmbedder setMethod(String v) {
        set(method, v);
        return this;
    }

    public TokenReducedEmbedder setLevel(double v) {
        set(level, v);
        return this;
    }

    public TokenReducedEmbedder setScheduleFile(String v) {
        set(scheduleFile, v);
        return this;
    }

    public TokenReducedEmbedder setPrecision(String v) {
        set(precision, v.toLowerCase(Locale.ROOT));
        return this;
    }

    public TokenReducedEmbedder setEngine(String v) {
        set(engine, v.toLowerCase(Locale.ROOT));
        return this;
    }

    public TokenReducedEmbedder setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public TokenReducedEmbedder setDevice(String v) {
        set(device, v);
        return this;
    }

    public TokenReducedEmbedder setThreads(int v) {
        set(threads, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        boolean images = images();
        String in = required(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new IllegalArgumentException("inputCol: no column '" + in + "' in " + schema.simpleString());
        }
        DataType t = schema.apply(in).dataType();
        List<DataType> accepted = images ? List.of(DataTypes.BinaryType, DataTypes.StringType)
                : List.of(DataTypes.StringType);
        if (!accepted.contains(t)) {
            throw new IllegalArgumentException("inputCol: '" + in + "' is " + t.simpleString() + " but "
                    + (images ? "image embeddings take binary (image bytes) or string (image paths)"
                            : "text embeddings take string (texts)"));
        }
        for (String out : List.of(getOrDefault(outputCol), getOrDefault(errorCol))) {
            if (Arrays.asList(schema.fieldNames()).contains(out)) {
                throw new IllegalArgumentException("outputCol/errorCol: column '" + out + "' already exists");
            }
        }
        return schema.add(new StructField(getOrDefault(outputCol), new ArrayType(DataTypes.FloatType, false), true,
                org.apache.spark.sql.types.Metadata.empty()))
                .add(getOrDefault(errorCol), DataTypes.StringType, true);
    }

    /**
     * Embeds {@code dataset}. The model is loaded on the driver first (once per JVM), so a missing or
     * corrupt model fails here with its cause rather than in every task.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        EmbedderConfig config = config();
        try {
            ExecutorModels.get(config);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tokenreduce: cannot use model '" + config.model() + "': "
                    + e.getMessage(), e);
        }
        int index = Arrays.asList(dataset.schema().fieldNames()).indexOf(required(inputCol));
        return dataset.toDF().mapPartitions(new PartitionEmbedder(config, index), Encoders.row(out));
    }

    /** The executor-side configuration these Params resolve to (the schedule file read here). */
    EmbedderConfig config() {
        boolean images = images();
        Site site = images ? Site.VISION_BLOCKS : Site.TEXT_BLOCKS;
        String name = required(model);
        String spec = null;
        if (isSet(scheduleFile)) {
            Path f = Path.of(getOrDefault(scheduleFile));
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("scheduleFile: " + f + " is not a file");
            }
            try {
                spec = ReducerSpec.read(f).toJson().toString();
            } catch (IOException e) {
                throw new UncheckedIOException("scheduleFile: cannot read " + f, e);
            }
        } else if (!getOrDefault(method).equals("none")) {
            Double l = isSet(level) ? (Double) getOrDefault(level) : null;
            String m = getOrDefault(method);
            // a bundled model's family knows its documented defaults; a folder gets the image-tower rules
            ReducerSpec s = ModelFamilies.bundling(name).map(fam -> fam.spec(name, site, m, l))
                    .orElseGet(() -> Defaults.visionSpec(m, l, site == Site.VISION_BLOCKS));
            spec = s == null ? null : s.toJson().toString(); // null: the model's default is no reduction
        }
        return new EmbedderConfig(name, images, spec, (Integer) getOrDefault(batchSize),
                getOrDefault(device).toLowerCase(Locale.ROOT), (Integer) getOrDefault(threads), getOrDefault(precision),
                getOrDefault(engine));
    }

    /**
     * Whether the model embeds images: the {@code tower} parameter, or with {@code auto} whether a
     * bundled model's family embeds images (a folder: yes, CLIP's image tower).
     */
    private boolean images() {
        String name = required(model);
        String t = getOrDefault(tower);
        Optional<ModelFamily> bundled = ModelFamilies.bundling(name);
        if (bundled.isEmpty()) {
            return !t.equals("text");
        }
        boolean embedsImages = bundled.get().entryPoints().contains(EntryPoint.IMAGE_EMBEDDING);
        if (t.equals("image") && !embedsImages) {
            throw new IllegalArgumentException("tower: " + name + " is a " + bundled.get().describe()
                    + "; it embeds text");
        }
        return t.equals("image") || t.equals("auto") && embedsImages;
    }

    private String required(Param<String> p) {
        if (!isDefined(p)) {
            throw new IllegalArgumentException(p.name() + ": required but not set (" + p.doc() + ")");
        }
        return getOrDefault(p);
    }

    @Override
    public TokenReducedEmbedder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a transformer saved with {@code write().save(path)}. */
    public static MLReader<TokenReducedEmbedder> read() {
        return new DefaultParamsReader<>();
    }

    /** {@code read().load(path)}. */
    public static TokenReducedEmbedder load(String path) {
        return read().load(path);
    }
}
