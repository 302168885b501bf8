package dev.streamcl.onnx;

import com.google.protobuf.ByteString;
import dev.streamcl.onnx.proto.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

/**
 * Fluent builder for ONNX models: the one place StreamCL writes ONNX graphs.
 *
 * <pre>{@code
 * byte[] model = new GraphBuilder("axpy")
 *     .floatInput("x", "batch", 4)
 *     .constant("w", new float[] {1, 2, 3, 4}, 4)
 *     .node("Mul", "x", "w").to("y")
 *     .floatOutput("y", "batch", 4)
 *     .build();
 * }</pre>
 *
 * Dimensions are given as {@code Integer}/{@code Long} (fixed) or {@code String} (symbolic, such as
 * "batch"). Nodes must be added in topological order; {@link #build()} checks that every node input
 * is defined before use, so a typo fails here instead of deep inside ONNX Runtime.
 */
public final class GraphBuilder {
  /** Opset 18: ReduceSum/ReduceL2 take axes as an input, ScatterND supports reduction=add. */
  public static final int DEFAULT_OPSET = 18;
  /** IR version 10: accepted by ONNX Runtime 1.23 (IR <= 11) and valid with opset 18. */
  public static final long IR_VERSION = 10;

  /** Element types StreamCL's graphs use; codes are ONNX TensorProto.DataType values. */
  public enum ElementType {
    FLOAT(Onnx.TensorProto.DataType.FLOAT),
    UINT8(Onnx.TensorProto.DataType.UINT8),
    INT64(Onnx.TensorProto.DataType.INT64),
    BOOL(Onnx.TensorProto.DataType.BOOL);

    final Onnx.TensorProto.DataType code;

    ElementType(Onnx.TensorProto.DataType code) {
      this.code = code;
    }
  }

  private final String name;
  private final int opset;
  private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
  private final Set<String> defined = new HashSet<>();
  private final List<String> undefinedUses = new ArrayList<>();
  private int nodeCount;

  public GraphBuilder(String name) {
    this(name, DEFAULT_OPSET);
  }

  public GraphBuilder(String name, int opset) {
    this.name = name;
    this.opset = opset;
    graph.setName(name);
  }

  public GraphBuilder floatInput(String name, Object... dims) {
    return input(name, ElementType.FLOAT, dims);
  }

  public GraphBuilder int64Input(String name, Object... dims) {
    return input(name, ElementType.INT64, dims);
  }

  public GraphBuilder uint8Input(String name, Object... dims) {
    return input(name, ElementType.UINT8, dims);
  }

  public GraphBuilder input(String name, ElementType type, Object... dims) {
    define(name);
    graph.addInput(valueInfo(name, type, dims));
    return this;
  }

  /**
   * A float graph input that also has an initializer of the same name, {@code values} of shape
   * {@code dims} (an overridable initializer, IR version >= 4): a run that feeds the input uses the fed
   * tensor, a run that does not uses {@code values}. ONNX Runtime lists such an input among the
   * session's overridable initializers, not among its inputs, so a caller that feeds only the inputs
   * gets the default.
   */
  public GraphBuilder floatInputWithDefault(String name, float[] values, long... dims) {
    define(name);
    graph.addInput(valueInfo(name, ElementType.FLOAT, LongStream.of(dims).boxed().toArray()));
    graph.addInitializer(floatTensor(name, values, dims));
    return this;
  }

  public GraphBuilder floatOutput(String name, Object... dims) {
    return output(name, ElementType.FLOAT, dims);
  }

  public GraphBuilder int64Output(String name, Object... dims) {
    return output(name, ElementType.INT64, dims);
  }

  public GraphBuilder output(String name, ElementType type, Object... dims) {
    requireDefined(name, "graph output");
    graph.addOutput(valueInfo(name, type, dims));
    return this;
  }

  /** A float constant (initializer); no dims means a scalar. */
  public GraphBuilder constant(String name, float[] values, long... dims) {
    define(name);
    graph.addInitializer(floatTensor(name, values, dims));
    return this;
  }

  /** An int64 constant (initializer), e.g. axes or shapes; no dims means a scalar. */
  public GraphBuilder constant(String name, long[] values, long... dims) {
    define(name);
    graph.addInitializer(int64Tensor(name, values, dims));
    return this;
  }

  public GraphBuilder scalar(String name, float value) {
    return constant(name, new float[] {value});
  }

  public GraphBuilder scalar(String name, long value) {
    return constant(name, new long[] {value});
  }

  /** Starts a node; an empty input name means an omitted optional input. Finish with {@link Node#to}. */
  public Node node(String opType, String... inputs) {
    return new Node(opType, inputs);
  }

  /** Serialised {@code ModelProto}, ready for {@code OrtSession} or a file. */
  public byte[] build() {
    return model().build().toByteArray();
  }

  /** The model with a doc string and metadata properties (in the given order), serialized once. */
  public byte[] build(String docString, Map<String, String> metadata) {
    Onnx.ModelProto.Builder model = model().setDocString(docString);
    metadata.forEach((key, value) -> model.addMetadataProps(
        Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
    return model.build().toByteArray();
  }

  private Onnx.ModelProto.Builder model() {
    if (!undefinedUses.isEmpty()) {
      throw new IllegalStateException("Graph '" + name + "' uses undefined values: " + undefinedUses);
    }
    return Onnx.ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("streamcl")
        .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(graph);
  }

  /** One node under construction. */
  public final class Node {
    private final Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder();

    private Node(String opType, String[] inputs) {
      node.setOpType(opType).setName(opType + "_" + nodeCount++);
      for (String input : inputs) {
        if (!input.isEmpty()) {
          requireDefined(input, node.getName());
        }
        node.addInput(input);
      }
    }

    public Node attr(String name, long value) {
      return add(attribute(name, Onnx.AttributeProto.AttributeType.INT).setI(value));
    }

    public Node attr(String name, float value) {
      return add(attribute(name, Onnx.AttributeProto.AttributeType.FLOAT).setF(value));
    }

    public Node attr(String name, String value) {
      return add(attribute(name, Onnx.AttributeProto.AttributeType.STRING)
          .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)));
    }

    public Node ints(String name, long... values) {
      Onnx.AttributeProto.Builder attribute = attribute(name, Onnx.AttributeProto.AttributeType.INTS);
      for (long value : values) {
        attribute.addInts(value);
      }
      return add(attribute);
    }

    public Node floats(String name, float... values) {
      Onnx.AttributeProto.Builder attribute = attribute(name, Onnx.AttributeProto.AttributeType.FLOATS);
      for (float value : values) {
        attribute.addFloats(value);
      }
      return add(attribute);
    }

    /** A tensor attribute, e.g. ConstantOfShape's {@code value}. */
    public Node tensor(String name, float[] values, long... dims) {
      return add(attribute(name, Onnx.AttributeProto.AttributeType.TENSOR)
          .setT(floatTensor("", values, dims)));
    }

    /** Names the outputs and adds the node to the graph. */
    public GraphBuilder to(String... outputs) {
      for (String output : outputs) {
        define(output);
        node.addOutput(output);
      }
      graph.addNode(node);
      return GraphBuilder.this;
    }

    private Node add(Onnx.AttributeProto.Builder attribute) {
      node.addAttribute(attribute);
      return this;
    }
  }

  private void define(String value) {
    if (!defined.add(value)) {
      throw new IllegalArgumentException("Graph '" + name + "' defines '" + value + "' twice");
    }
  }

  private void requireDefined(String value, String user) {
    if (!defined.contains(value)) {
      undefinedUses.add(value + " (in " + user + ")");
    }
  }

  private static Onnx.AttributeProto.Builder attribute(String name, Onnx.AttributeProto.AttributeType type) {
    return Onnx.AttributeProto.newBuilder().setName(name).setType(type);
  }

  private static Onnx.ValueInfoProto valueInfo(String name, ElementType type, Object[] dims) {
    Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
    for (Object dim : dims) {
      shape.addDim(dimension(dim));
    }
    Onnx.TypeProto.Tensor.Builder tensor =
        Onnx.TypeProto.Tensor.newBuilder().setElemType(type.code.getNumber()).setShape(shape);
    return Onnx.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(Onnx.TypeProto.newBuilder().setTensorType(tensor))
        .build();
  }

  private static Onnx.TensorShapeProto.Dimension dimension(Object dim) {
    Onnx.TensorShapeProto.Dimension.Builder builder = Onnx.TensorShapeProto.Dimension.newBuilder();
    if (dim instanceof Integer || dim instanceof Long) {
      return builder.setDimValue(((Number) dim).longValue()).build();
    }
    if (dim instanceof String) {
      return builder.setDimParam((String) dim).build();
    }
    throw new IllegalArgumentException("A dimension is an Integer/Long (fixed) or a String (symbolic), not " + dim);
  }

  // raw_data is little-endian by the ONNX specification, whatever the host order.
  private static Onnx.TensorProto floatTensor(String name, float[] values, long[] dims) {
    checkElementCount(name, values.length, dims);
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return tensor(name, ElementType.FLOAT, dims, bytes);
  }

  private static Onnx.TensorProto int64Tensor(String name, long[] values, long[] dims) {
    checkElementCount(name, values.length, dims);
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(values);
    return tensor(name, ElementType.INT64, dims, bytes);
  }

  private static Onnx.TensorProto tensor(String name, ElementType type, long[] dims, ByteBuffer bytes) {
    Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(name).setDataType(type.code.getNumber());
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    return tensor.setRawData(ByteString.copyFrom(bytes.array())).build();
  }

  private static void checkElementCount(String name, int count, long[] dims) {
    long expected = 1;
    for (long dim : dims) {
      expected *= dim;
    }
    if (expected != count) {
      throw new IllegalArgumentException(
          "Constant '" + name + "' has " + count + " values but its dims need " + expected);
    }
  }
}
