package dev.streamcl.bench;

import com.yahoo.labs.samoa.instances.Attribute;
import com.yahoo.labs.samoa.instances.DenseInstance;
import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.Instances;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.Sample;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.IntStream;

/**
 * A scenario's samples as MOA instances, built once and shared by every peer (MOA learners only read
 * them). Features are what the learner job feeds its learners: the sample decoded by {@link SampleInputs}
 * and run through the pixels encoder's own ONNX graph (pixel / 255 as a float); the class is the label,
 * a nominal attribute of {@link FashionMnist#CLASSES} values.
 */
final class MoaInstances {
  static final int[] IMAGE_SHAPE = {FashionMnist.ROWS, FashionMnist.COLUMNS};
  private static final int BATCH = 1_000;

  private final InstancesHeader header;
  private final List<Instance> training;
  private final List<Instance> test;
  private final double buildSeconds;

  private MoaInstances(InstancesHeader header, List<Instance> training, List<Instance> test, double buildSeconds) {
    this.header = header;
    this.training = training;
    this.test = test;
    this.buildSeconds = buildSeconds;
  }

  /**
   * Training samples 0..trainingCap-1 in stream order and test samples 0..testCap-1.
   *
   * @param trainingCap how many training samples from the start of the stream; 0 for all
   * @param testCap how many test samples from the start of the test set; 0 for all
   */
  static MoaInstances of(Scenario scenario, String streamId, long trainingCap, long testCap) {
    long start = System.nanoTime();
    SampleInputs inputs = new SampleInputs(IMAGE_SHAPE, FashionMnist.CLASSES);
    try (Encoder encoder = EncoderSpec.pixels(IMAGE_SHAPE, ComputeDevice.cpu()).open()) {
      InstancesHeader header = header(scenario.name(), encoder.outputDim());
      List<Instance> training = encode(seq -> scenario.trainingSample(streamId, seq),
          capped(scenario.trainingSize(), trainingCap), header, encoder, inputs);
      List<Instance> test = encode(seq -> scenario.testSample(streamId, seq),
          capped(scenario.testSize(), testCap), header, encoder, inputs);
      return new MoaInstances(header, training, test, (System.nanoTime() - start) / 1e9);
    }
  }

  InstancesHeader header() {
    return header;
  }

  /** The prequential stream, in the scenario's training order. */
  List<Instance> training() {
    return training;
  }

  List<Instance> test() {
    return test;
  }

  /** Seconds spent decoding, encoding and wrapping the samples (not part of any peer's instances/s). */
  double buildSeconds() {
    return buildSeconds;
  }

  private static long capped(long size, long cap) {
    if (cap < 0) {
      throw new IllegalArgumentException("A sample cap must be 0 (all) or positive, got " + cap);
    }
    return cap == 0 ? size : Math.min(size, cap);
  }

  private static InstancesHeader header(String relation, int features) {
    List<Attribute> attributes = new ArrayList<>(features + 1);
    for (int i = 0; i < features; i++) {
      attributes.add(new Attribute("f" + i));
    }
    attributes.add(new Attribute("label", IntStream.range(0, FashionMnist.CLASSES).mapToObj(Integer::toString)
        .toList()));
    Instances dataset = new Instances(relation, attributes, 0);
    dataset.setClassIndex(features);
    return new InstancesHeader(dataset);
  }

  /** Decodes and encodes {@code count} samples a batch at a time, as the learner job does. */
  private static List<Instance> encode(LongFunction<Sample> samples, long count, InstancesHeader header,
      Encoder encoder, SampleInputs inputs) {
    List<Instance> instances = new ArrayList<>(Math.toIntExact(count));
    float[] batch = new float[BATCH * inputs.inputSize()];
    int[] labels = new int[BATCH];
    for (long first = 0; first < count; first += BATCH) {
      int rows = (int) Math.min(BATCH, count - first);
      for (int row = 0; row < rows; row++) {
        labels[row] = decode(samples.apply(first + row), inputs, batch, row);
      }
      float[] features = encoder.encode(batch, rows);
      for (int row = 0; row < rows; row++) {
        instances.add(instance(header, features, row, encoder.outputDim(), labels[row]));
      }
    }
    return instances;
  }

  /** Copies the sample's input into row {@code row} of {@code batch} and returns its label. */
  private static int decode(Sample sample, SampleInputs inputs, float[] batch, int row) {
    try {
      int label = inputs.label(sample);
      if (label < 0) {
        throw new IllegalStateException("Sample " + sample.getSequence() + " has no label; a peer learns from labels");
      }
      inputs.copyInput(sample, batch, row * inputs.inputSize());
      return label;
    } catch (InvalidSampleException e) {
      throw new IllegalStateException("Sample " + sample.getSequence() + " cannot be encoded: " + e.getMessage(), e);
    }
  }

  private static Instance instance(InstancesHeader header, float[] features, int row, int dim, int label) {
    double[] values = new double[dim + 1];
    for (int i = 0; i < dim; i++) {
      values[i] = features[row * dim + i];
    }
    values[dim] = label;
    Instance instance = new DenseInstance(1.0, values);
    instance.setDataset(header);
    return instance;
  }
}
