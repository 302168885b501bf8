package dev.streamcl.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What the {@code gpu} Maven profile ships and what its CUDA provider needs on the host: the
 * onnxruntime_gpu version and the CUDA and cuDNN major versions, filled in from the root pom at build
 * time (gpu-build.properties), so messages and gpu-check name the versions the build really uses.
 */
public record GpuBuild(String onnxRuntimeVersion, String cudaMajor, String cudnnMajor) {
  private static final String RESOURCE = "gpu-build.properties";
  private static final GpuBuild CURRENT = load();

  public static GpuBuild current() {
    return CURRENT;
  }

  /** {@code CUDA 12 and cuDNN 9}. */
  public String hostNeeds() {
    return "CUDA " + cudaMajor + " and cuDNN " + cudnnMajor;
  }

  private static GpuBuild load() {
    Properties properties = new Properties();
    try (InputStream in = GpuBuild.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the learner jar; rebuild it with Maven");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + RESOURCE, e);
    }
    return new GpuBuild(properties.getProperty("onnxruntime.gpu.version"), properties.getProperty("cuda.major"),
        properties.getProperty("cudnn.major"));
  }
}
