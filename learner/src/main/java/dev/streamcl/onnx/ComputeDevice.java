package dev.streamcl.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.Serializable;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where ONNX Runtime runs a graph: {@code cpu} or {@code cuda:N} (CUDA execution provider on GPU N),
 * plus whether a CUDA request may fall back to the CPU. Serializable because Flink ships it to the
 * task managers, where {@link #configure} is called.
 */
public final class ComputeDevice implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ComputeDevice.class);
  private static final int CPU_ID = -1;

  private final int cudaDeviceId;
  private final boolean cpuFallback;

  private ComputeDevice(int cudaDeviceId, boolean cpuFallback) {
    this.cudaDeviceId = cudaDeviceId;
    this.cpuFallback = cpuFallback;
  }

  public static ComputeDevice cpu() {
    return new ComputeDevice(CPU_ID, false);
  }

  public static ComputeDevice cuda(int deviceId, boolean cpuFallback) {
    if (deviceId < 0) {
      throw new IllegalArgumentException("CUDA device id must be >= 0, got " + deviceId);
    }
    return new ComputeDevice(deviceId, cpuFallback);
  }

  /** Parses {@code cpu}, {@code cuda} (= cuda:0) or {@code cuda:N}. */
  public static ComputeDevice parse(String spec, boolean cpuFallback) {
    String s = spec.trim().toLowerCase();
    if (s.equals("cpu")) {
      return cpu();
    }
    if (s.equals("cuda")) {
      return cuda(0, cpuFallback);
    }
    if (s.startsWith("cuda:")) {
      try {
        return cuda(Integer.parseInt(s.substring(5)), cpuFallback);
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException("Unknown device '" + spec + "'; expected cpu, cuda or cuda:N (N = GPU index)");
  }

  public boolean isCuda() {
    return cudaDeviceId != CPU_ID;
  }

  public int cudaDeviceId() {
    return cudaDeviceId;
  }

  public boolean cpuFallback() {
    return cpuFallback;
  }

  /**
   * Adds this device's execution provider to the options and returns the device actually used:
   * this one, or {@link #cpu()} after a logged fallback.
   *
   * @throws DeviceUnavailableException CUDA was asked for, cannot load, and fallback is off
   */
  public ComputeDevice configure(OrtSession.SessionOptions options) {
    if (!isCuda()) {
      return this;
    }
    String problem = cudaProblem(options);
    return problem == null ? this : fallBackAfter(problem);
  }

  /**
   * The CUDA device could not be used: the CPU when fallback was asked for, else a failure saying what to do.
   *
   * @throws DeviceUnavailableException fallback is off
   */
  public ComputeDevice fallBackAfter(String problem) {
    String message = "ONNX Runtime cannot use " + this + ": " + problem
        + ". To run on the GPU, install the onnxruntime_gpu artifact with CUDA 12 and cuDNN 9 on the host;"
        + " otherwise run with device=cpu or allow CPU fallback.";
    if (!cpuFallback) {
      throw new DeviceUnavailableException(message);
    }
    LOG.warn("{} Falling back to the CPU as configured.", message);
    return cpu();
  }

  private String cudaProblem(OrtSession.SessionOptions options) {
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      return "this ONNX Runtime build has no CUDA execution provider"
          + " (the CPU-only onnxruntime artifact is on the classpath)";
    }
    try {
      options.addCUDA(cudaDeviceId);
      return null;
    } catch (OrtException | RuntimeException e) {
      return "the CUDA execution provider failed to load (" + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return isCuda() ? "cuda:" + cudaDeviceId : "cpu";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ComputeDevice
        && ((ComputeDevice) o).cudaDeviceId == cudaDeviceId
        && ((ComputeDevice) o).cpuFallback == cpuFallback;
  }

  @Override
  public int hashCode() {
    return Objects.hash(cudaDeviceId, cpuFallback);
  }
}
