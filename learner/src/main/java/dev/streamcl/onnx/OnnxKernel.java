package dev.streamcl.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ONNX Runtime session over a model, with input buffers reused across calls.
 *
 * <p>Usage: stage each input with {@link #feed} (or fill {@link #floatInput} in place), then
 * {@code try (OnnxKernel.Outputs out = kernel.run()) { out.floats("y"); }}. Inputs are direct,
 * native-order buffers that grow on demand and are handed to ONNX Runtime without a copy. Not
 * thread-safe: one kernel per operator instance.
 */
public final class OnnxKernel implements AutoCloseable {
  private static final OrtEnvironment ENV =
      OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "streamcl");

  private final OrtSession session;
  private final ComputeDevice device;
  private final Map<String, Buffer> buffers = new HashMap<>();
  private final Map<String, long[]> stagedShapes = new LinkedHashMap<>();

  /** One intra-op thread: Flink already runs one operator per slot. */
  public OnnxKernel(byte[] model, ComputeDevice device) {
    this(model, device, 1);
  }

  public OnnxKernel(byte[] model, ComputeDevice device, int intraOpThreads) {
    Opened opened;
    try {
      opened = open(model, device, intraOpThreads);
    } catch (OrtException e) {
      // Some CUDA problems (no visible GPU, a bad device index) only show when the session is created.
      if (!device.isCuda()) {
        throw new IllegalStateException(
            "ONNX Runtime could not load the model on " + device + ": " + e.getMessage(), e);
      }
      try {
        opened = open(model, device.sessionFailed(e.getMessage()), intraOpThreads);
      } catch (OrtException cpuFailure) {
        throw new IllegalStateException("ONNX Runtime could not load the model on the CPU either: "
            + cpuFailure.getMessage(), cpuFailure);
      }
    }
    this.device = opened.device();
    this.session = opened.session();
  }

  private record Opened(OrtSession session, ComputeDevice device) {}

  private static Opened open(byte[] model, ComputeDevice device, int intraOpThreads) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      if (intraOpThreads != 1) {
        // Idle pool threads would spin for work and take the cores the job's other operators need.
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
      }
      options.setInterOpNumThreads(1);
      options.setDeterministicCompute(true);
      ComputeDevice used = device.configure(options);
      return new Opened(ENV.createSession(model, options), used);
    }
  }

  /** The device actually used (CPU after a fallback). */
  public ComputeDevice device() {
    return device;
  }

  public Map<String, TensorInfo> inputs() {
    return tensorInfos(() -> session.getInputInfo());
  }

  public Map<String, TensorInfo> outputs() {
    return tensorInfos(() -> session.getOutputInfo());
  }

  /** Stages a float input from {@code values[0 .. product(shape))}. */
  public void feed(String name, float[] values, long... shape) {
    floatInput(name, shape).put(values, 0, elementCount(shape)).rewind();
  }

  /** Stages an int64 input from {@code values[0 .. product(shape))}. */
  public void feed(String name, long[] values, long... shape) {
    LongBuffer buffer = stage(name, shape, LongBuffer.class);
    buffer.put(values, 0, elementCount(shape)).rewind();
  }

  /** Stages a float input and returns its buffer (position 0, limit = element count) to fill in place. */
  public FloatBuffer floatInput(String name, long... shape) {
    return stage(name, shape, FloatBuffer.class);
  }

  /** Stages an int64 input and returns its buffer (position 0, limit = element count) to fill in place. */
  public LongBuffer longInput(String name, long... shape) {
    return stage(name, shape, LongBuffer.class);
  }

  /** Runs the graph on the staged inputs; the caller closes the returned outputs. */
  public Outputs run() {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, long[]> staged : stagedShapes.entrySet()) {
        tensors.put(staged.getKey(), tensorFor(staged.getKey(), staged.getValue()));
      }
      return new Outputs(session.run(tensors));
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed to run the graph: " + e.getMessage(), e);
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("Closing the ONNX Runtime session failed", e);
    }
  }

  /** Results of one run; read them, then close. */
  public static final class Outputs implements AutoCloseable {
    private final OrtSession.Result result;

    private Outputs(OrtSession.Result result) {
      this.result = result;
    }

    /** The output's values; ORT copies them out of native memory once, into an array we can keep. */
    public float[] floats(String name) {
      FloatBuffer values = tensor(name).getFloatBuffer();
      if (values.hasArray() && values.arrayOffset() == 0 && values.position() == 0
          && values.remaining() == values.array().length) {
        return values.array();
      }
      float[] array = new float[values.remaining()];
      values.get(array);
      return array;
    }

    public long[] longs(String name) {
      LongBuffer values = tensor(name).getLongBuffer();
      long[] array = new long[values.remaining()];
      values.get(array);
      return array;
    }

    public long[] shape(String name) {
      return tensor(name).getInfo().getShape();
    }

    private OnnxTensor tensor(String name) {
      OnnxValue value = result.get(name)
          .orElseThrow(() -> new IllegalArgumentException("The graph has no output '" + name + "'"));
      return (OnnxTensor) value;
    }

    @Override
    public void close() {
      result.close();
    }
  }

  // Zero-copy: ONNX Runtime reads a direct buffer in place from its position to its limit.
  private OnnxTensor tensorFor(String name, long[] shape) throws OrtException {
    Buffer buffer = buffers.get(name).clear().limit(elementCount(shape));
    if (buffer instanceof FloatBuffer) {
      return OnnxTensor.createTensor(ENV, (FloatBuffer) buffer, shape);
    }
    return OnnxTensor.createTensor(ENV, (LongBuffer) buffer, shape);
  }

  // Staged inputs stay staged (and their buffers kept) until fed again.
  // Buffers grow by doubling so a stream of varying batch sizes settles on one allocation.
  private <B extends Buffer> B stage(String name, long[] shape, Class<B> type) {
    int count = elementCount(shape);
    Buffer existing = buffers.get(name);
    B buffer;
    if (type.isInstance(existing) && existing.capacity() >= count) {
      buffer = type.cast(existing);
    } else {
      int grown = type.isInstance(existing) ? 2 * existing.capacity() : 0;
      buffer = allocate(type, Math.max(count, grown));
      buffers.put(name, buffer);
    }
    stagedShapes.put(name, shape.clone());
    buffer.clear().limit(count);
    return buffer;
  }

  private static <B extends Buffer> B allocate(Class<B> type, int capacity) {
    if (type == FloatBuffer.class) {
      return type.cast(
          ByteBuffer.allocateDirect(capacity * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer());
    }
    return type.cast(ByteBuffer.allocateDirect(capacity * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer());
  }

  private static int elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      count *= dim;
    }
    return Math.toIntExact(count);
  }

  private interface InfoSource {
    Map<String, NodeInfo> get() throws OrtException;
  }

  private static Map<String, TensorInfo> tensorInfos(InfoSource source) {
    Map<String, TensorInfo> infos = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, NodeInfo> entry : source.get().entrySet()) {
        if (entry.getValue().getInfo() instanceof TensorInfo) {
          infos.put(entry.getKey(), (TensorInfo) entry.getValue().getInfo());
        }
      }
    } catch (OrtException e) {
      throw new IllegalStateException("Reading the model signature failed", e);
    }
    return infos;
  }
}
