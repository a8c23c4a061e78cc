package io.github.tokenreduce.djl.weights.onnx;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;

/**
 * The part of the ONNX protobuf schema (onnx/onnx {@code onnx.proto}, IR version 3 onward) this
 * library reads, declared for protobuf-java's {@code DynamicMessage}: models, graphs, nodes and
 * tensors, by their field numbers. Every other field is kept as an unknown field and ignored, so
 * newer files still parse.
 */
final class OnnxSchema {

    static final Descriptors.Descriptor MODEL;
    static final Descriptors.Descriptor GRAPH;
    static final Descriptors.Descriptor NODE;
    static final Descriptors.Descriptor TENSOR;
    static final Descriptors.Descriptor OPSET;
    static final Descriptors.Descriptor ATTRIBUTE;

    static {
        DescriptorProto tensor = DescriptorProto.newBuilder().setName("TensorProto")
                .addField(field("dims", 1, Type.TYPE_INT64, true))
                .addField(field("data_type", 2, Type.TYPE_INT32, false))
                .addField(field("float_data", 4, Type.TYPE_FLOAT, true))
                .addField(field("int32_data", 5, Type.TYPE_INT32, true))
                .addField(field("int64_data", 7, Type.TYPE_INT64, true))
                .addField(field("name", 8, Type.TYPE_STRING, false))
                .addField(field("raw_data", 9, Type.TYPE_BYTES, false))
                .addField(field("double_data", 10, Type.TYPE_DOUBLE, true))
                .addField(field("data_location", 14, Type.TYPE_INT32, false))
                .build();
        DescriptorProto attribute = DescriptorProto.newBuilder().setName("AttributeProto")
                .addField(field("name", 1, Type.TYPE_STRING, false))
                .addField(field("f", 2, Type.TYPE_FLOAT, false))
                .addField(field("i", 3, Type.TYPE_INT64, false))
                .addField(message("t", 5, ".onnx.TensorProto", false))
                .build();
        DescriptorProto node = DescriptorProto.newBuilder().setName("NodeProto")
                .addField(field("input", 1, Type.TYPE_STRING, true))
                .addField(field("output", 2, Type.TYPE_STRING, true))
                .addField(field("name", 3, Type.TYPE_STRING, false))
                .addField(field("op_type", 4, Type.TYPE_STRING, false))
                .addField(message("attribute", 5, ".onnx.AttributeProto", true))
                .build();
        DescriptorProto valueInfo = DescriptorProto.newBuilder().setName("ValueInfoProto")
                .addField(field("name", 1, Type.TYPE_STRING, false))
                .build();
        DescriptorProto graph = DescriptorProto.newBuilder().setName("GraphProto")
                .addField(message("node", 1, ".onnx.NodeProto", true))
                .addField(field("name", 2, Type.TYPE_STRING, false))
                .addField(message("initializer", 5, ".onnx.TensorProto", true))
                .addField(message("input", 11, ".onnx.ValueInfoProto", true))
                .addField(message("output", 12, ".onnx.ValueInfoProto", true))
                .build();
        DescriptorProto opset = DescriptorProto.newBuilder().setName("OperatorSetIdProto")
                .addField(field("domain", 1, Type.TYPE_STRING, false))
                .addField(field("version", 2, Type.TYPE_INT64, false))
                .build();
        DescriptorProto model = DescriptorProto.newBuilder().setName("ModelProto")
                .addField(field("ir_version", 1, Type.TYPE_INT64, false))
                .addField(field("producer_name", 2, Type.TYPE_STRING, false))
                .addField(message("graph", 7, ".onnx.GraphProto", false))
                .addField(message("opset_import", 8, ".onnx.OperatorSetIdProto", true))
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("tokenreduce_onnx_subset.proto")
                .setPackage("onnx").setSyntax("proto2")
                .addMessageType(tensor).addMessageType(attribute).addMessageType(node).addMessageType(valueInfo).addMessageType(graph)
                .addMessageType(opset).addMessageType(model).build();
        try {
            Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
            MODEL = fd.findMessageTypeByName("ModelProto");
            GRAPH = fd.findMessageTypeByName("GraphProto");
            NODE = fd.findMessageTypeByName("NodeProto");
            TENSOR = fd.findMessageTypeByName("TensorProto");
            OPSET = fd.findMessageTypeByName("OperatorSetIdProto");
            ATTRIBUTE = fd.findMessageTypeByName("AttributeProto");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private OnnxSchema() {}

    private static FieldDescriptorProto field(String name, int number, Type type, boolean repeated) {
        FieldDescriptorProto.Builder b = FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL);
        if (repeated && type != Type.TYPE_STRING && type != Type.TYPE_BYTES) {
            b.setOptions(FieldOptions.newBuilder().setPacked(true));
        }
        return b.build();
    }

    private static FieldDescriptorProto message(String name, int number, String type, boolean repeated) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(Type.TYPE_MESSAGE)
                .setTypeName(type).setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL).build();
    }
}
