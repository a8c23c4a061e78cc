package io.github.tokenreduce.djl.bert;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Truncated, corrupt and non-BERT ONNX files end in clear errors naming what is wrong. */
class OnnxBadFilesTest {

    @TempDir
    Path tmp;

    private static InputStream tokenizer() {
        return new ByteArrayInputStream("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void truncatedOrGarbageIsNotAnOnnxModel() {
        byte[] garbage = new byte[4096];
        new java.util.Random(3).nextBytes(garbage);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentenceEncoderLoader.fromOnnx(
                new ByteArrayInputStream(garbage), "garbage.onnx", tokenizer(), SentenceEncoderConfig.Pooling.MEAN,
                Device.cpu()));
        assertTrue(e.getMessage().contains("garbage.onnx") && e.getMessage().contains("not an ONNX model"), e.getMessage());
    }

    @Test
    void aGraphWithoutBertWeightsIsNamed() throws Exception {
        byte[] model = tinyOnnx("/decoder/proj/MatMul", 0);
        WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> SentenceEncoderLoader.fromOnnx(
                new ByteArrayInputStream(model), "tiny.onnx", tokenizer(), SentenceEncoderConfig.Pooling.MEAN,
                Device.cpu()));
        assertTrue(e.getMessage().contains("MatMul node '/decoder/proj/MatMul'"), e.getMessage());
    }

    @Test
    void rawDataOfTheWrongSizeIsNamed() throws Exception {
        byte[] model = tinyOnnx("/encoder/layer.0/attention/self/query/MatMul", 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentenceEncoderLoader.fromOnnx(
                new ByteArrayInputStream(model), "short.onnx", tokenizer(), SentenceEncoderConfig.Pooling.MEAN,
                Device.cpu()));
        assertTrue(e.getMessage().contains("onnx::MatMul_1") && e.getMessage().contains("raw data"), e.getMessage());
    }

    /** A one-node ONNX model whose 2×2 initializer feeds a MatMul named {@code node}, minus {@code cut} bytes. */
    private static byte[] tinyOnnx(String node, int cut) throws Exception {
        Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(DescriptorProtos.FileDescriptorProto
                .newBuilder().setName("t.proto").setPackage("t").setSyntax("proto2")
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("Tensor")
                        .addField(f("dims", 1, DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT64, true))
                        .addField(f("data_type", 2, DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT32, false))
                        .addField(f("name", 8, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, false))
                        .addField(f("raw_data", 9, DescriptorProtos.FieldDescriptorProto.Type.TYPE_BYTES, false)))
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("Node")
                        .addField(f("input", 1, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, true))
                        .addField(f("name", 3, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, false))
                        .addField(f("op_type", 4, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, false)))
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("Graph")
                        .addField(m("node", 1, ".t.Node"))
                        .addField(m("initializer", 5, ".t.Tensor")))
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("Model")
                        .addField(m("graph", 7, ".t.Graph").toBuilder()
                                .setLabel(DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL)))
                .build(), new Descriptors.FileDescriptor[0]);
        Descriptors.Descriptor tensor = fd.findMessageTypeByName("Tensor");
        Descriptors.Descriptor n = fd.findMessageTypeByName("Node");
        Descriptors.Descriptor graph = fd.findMessageTypeByName("Graph");
        Descriptors.Descriptor model = fd.findMessageTypeByName("Model");
        ByteBuffer raw = ByteBuffer.allocate(16 - cut).order(ByteOrder.LITTLE_ENDIAN);
        DynamicMessage t = DynamicMessage.newBuilder(tensor).addRepeatedField(tensor.findFieldByName("dims"), 2L)
                .addRepeatedField(tensor.findFieldByName("dims"), 2L).setField(tensor.findFieldByName("data_type"), 1)
                .setField(tensor.findFieldByName("name"), "onnx::MatMul_1")
                .setField(tensor.findFieldByName("raw_data"), ByteString.copyFrom(raw.array())).build();
        DynamicMessage mm = DynamicMessage.newBuilder(n).addRepeatedField(n.findFieldByName("input"), "x")
                .addRepeatedField(n.findFieldByName("input"), "onnx::MatMul_1").setField(n.findFieldByName("name"), node)
                .setField(n.findFieldByName("op_type"), "MatMul").build();
        DynamicMessage g = DynamicMessage.newBuilder(graph).addRepeatedField(graph.findFieldByName("node"), mm)
                .addRepeatedField(graph.findFieldByName("initializer"), t).build();
        return DynamicMessage.newBuilder(model).setField(model.findFieldByName("graph"), g).build().toByteArray();
    }

    private static DescriptorProtos.FieldDescriptorProto f(String name, int num,
            DescriptorProtos.FieldDescriptorProto.Type type, boolean repeated) {
        return DescriptorProtos.FieldDescriptorProto.newBuilder().setName(name).setNumber(num).setType(type)
                .setLabel(repeated ? DescriptorProtos.FieldDescriptorProto.Label.LABEL_REPEATED
                        : DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL).build();
    }

    private static DescriptorProtos.FieldDescriptorProto m(String name, int num, String type) {
        return DescriptorProtos.FieldDescriptorProto.newBuilder().setName(name).setNumber(num)
                .setType(DescriptorProtos.FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(type)
                .setLabel(DescriptorProtos.FieldDescriptorProto.Label.LABEL_REPEATED).build();
    }
}
