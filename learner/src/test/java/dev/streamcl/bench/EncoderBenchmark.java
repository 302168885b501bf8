package dev.streamcl.bench;

import dev.streamcl.encoder.PixelsEncoder;
import dev.streamcl.onnx.ComputeDevice;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** The pixels encoder (flatten and divide by 255, no matrix product) against the same loop in Java. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EncoderBenchmark implements AutoCloseable {
  @Param({"1", "16", "64", "256", "1024"})
  public int batch;

  PixelsEncoder encoder;
  float[] pixels;

  @Setup
  public void setUp() {
    encoder = new PixelsEncoder(BenchmarkInputs.IMAGE_SHAPE, ComputeDevice.cpu());
    pixels = BenchmarkInputs.pixels(1, batch * BenchmarkInputs.DIM);
  }

  @Override
  @TearDown
  public void close() {
    encoder.close();
  }

  @Benchmark
  public float[] encodeOnnx(SampleCounter counter) {
    counter.samples += batch;
    return encoder.encode(pixels, batch);
  }

  /** Row-major [batch, 28, 28] flattened is the input order, so encoding is the division alone. */
  @Benchmark
  public float[] encodeJava(SampleCounter counter) {
    counter.samples += batch;
    float[] features = new float[batch * BenchmarkInputs.DIM];
    for (int i = 0; i < features.length; i++) {
      features[i] = pixels[i] / 255f;
    }
    return features;
  }
}
