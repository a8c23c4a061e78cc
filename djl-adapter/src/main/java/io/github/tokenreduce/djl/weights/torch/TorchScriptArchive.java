package io.github.tokenreduce.djl.weights.torch;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.util.Pair;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The parameters of a TorchScript archive ({@code torch.jit.save}, the format of OpenAI's released
 * CLIP checkpoints), read through DJL's PyTorch engine: libtorch deserialises the module and its
 * parameters are handed out under their state-dict names ({@code visual.conv1.weight}, ...) as the
 * engine's own tensors, never copied. The archive's methods ({@code forward}, {@code encode_image},
 * ...) are never run.
 */
public final class TorchScriptArchive {

    private static final String ENGINE = "PyTorch";

    private TorchScriptArchive() {}

    /**
     * Whether a zip entry name ({@code <prefix>/code/...}, {@code <prefix>/constants.pkl}) belongs
     * only to a TorchScript archive, never to a {@code torch.save} state dict.
     */
    public static boolean isScriptEntry(String entryName) {
        int slash = entryName.indexOf('/');
        String rest = slash < 0 ? entryName : entryName.substring(slash + 1);
        return rest.startsWith("code/") || rest.equals("constants.pkl");
    }

    /** Whether {@code file} is a zip holding TorchScript entries (false for anything else, unreadable included). */
    public static boolean isArchive(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (head.length < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements();) {
                if (isScriptEntry(e.nextElement().getName())) {
                    return true;
                }
            }
            return false;
        } catch (ZipException e) {
            return false; // not a readable zip: the checkpoint reader reports it
        }
    }

    /**
     * The parameters of a TorchScript module DJL already loaded ({@code Criteria} with the PyTorch
     * engine on a {@code .pt} archive), by state-dict name: the very tensors the module holds (same
     * native storage), still owned by {@code model}.
     *
     * @throws IllegalArgumentException when {@code model}'s block is not a TorchScript module
     */
    public static Map<String, NDArray> parameters(Model model) {
        Block block = model.getBlock();
        if (!(block instanceof PtSymbolBlock)) {
            throw new IllegalArgumentException("model: expected a TorchScript module loaded by DJL's PyTorch engine "
                    + "(a PtSymbolBlock), but the block of '" + model.getName() + "' is "
                    + (block == null ? "missing" : block.getClass().getName()));
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(p.getKey(), p.getValue().getArray());
        }
        return out;
    }

    /**
     * Loads the archive {@code file} through the PyTorch engine onto {@code device} and returns its
     * parameters, attached to {@code manager} (the module itself is released; its tensors live on
     * through these arrays, not copied).
     */
    public static Map<String, NDArray> load(Path file, NDManager manager, Device device) throws IOException {
        try (Model model = Model.newInstance(file.getFileName().toString(), device, ENGINE)) {
            model.load(file, null, Map.of("mapLocation", "true"));
            Map<String, NDArray> params = parameters(model);
            for (NDArray a : params.values()) {
                a.attach(manager);
            }
            return params;
        } catch (MalformedModelException | ai.djl.engine.EngineException e) {
            throw new IllegalArgumentException("TorchScript archive " + file + " could not be read by the PyTorch engine: "
                    + e.getMessage(), e);
        }
    }
}
