package dev.streamcl.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
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
    GpuBuild gpu = GpuBuild.current();
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      return fallBackAfter("the onnxruntime jar on the classpath is the CPU-only build, without a CUDA execution"
          + " provider", "To use the GPU, build with the gpu profile (mvn -Pgpu -DskipTests package: onnxruntime_gpu "
          + gpu.onnxRuntimeVersion() + ", see docs/gpu.md) and run on a host with an NVIDIA GPU, " + gpu.hostNeeds()
          + ".");
    }
    try {
      addCuda(options);
      return this;
    } catch (OrtException | RuntimeException | LinkageError e) {
      return fallBackAfter("its CUDA execution provider did not load (" + e.getMessage() + ")", "Install "
          + gpu.hostNeeds() + " (runtime, cuBLAS, cuRAND, cuFFT and cuDNN libraries) where the dynamic loader finds"
          + " them (ldconfig or LD_LIBRARY_PATH), and check the NVIDIA driver with nvidia-smi.");
    }
  }

  /**
   * The CUDA provider loaded but a session could not be created on the GPU (no such GPU, a driver too old):
   * the CPU when fallback was asked for, else a failure saying what to do.
   *
   * @throws DeviceUnavailableException fallback is off
   */
  public ComputeDevice sessionFailed(String ortMessage) {
    return fallBackAfter("creating a session on GPU " + cudaDeviceId + " failed (" + ortMessage + ")",
        "Check that GPU " + cudaDeviceId + " exists (nvidia-smi -L lists the GPUs, numbered from 0) and that its"
        + " driver supports CUDA " + GpuBuild.current().cudaMajor() + ".");
  }

  // One line (the CLI prints a failure's first line only): what went wrong, how to fix it, the CPU alternatives.
  private ComputeDevice fallBackAfter(String problem, String remedy) {
    String message = ("ONNX Runtime cannot use " + this + ": " + problem + ". " + remedy
        + " Or run on the CPU: --device cpu, or add --cpu-fallback to use the CPU whenever CUDA cannot load.")
        .replaceAll("\\s*\\R\\s*", " ");
    if (!cpuFallback) {
      throw new DeviceUnavailableException(message);
    }
    LOG.warn("{} Falling back to the CPU as configured (--cpu-fallback).", message);
    return cpu();
  }

  // TF32, on by default in the CUDA provider from Ampere on, rounds MatMul inputs to 10-bit mantissas; off, the GPU
  // computes in FP32 as the CPU does, so learners give the same results on both (gpu-check compares them).
  private void addCuda(OrtSession.SessionOptions options) throws OrtException {
    try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(cudaDeviceId)) {
      cuda.add("use_tf32", "0");
      options.addCUDA(cuda);
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
