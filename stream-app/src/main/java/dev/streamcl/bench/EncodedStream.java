package dev.streamcl.bench;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.Sample;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.scenario.Scenario;
import java.util.function.LongFunction;

/**
 * A scenario's training stream (or test set) run once through the job's frozen encoder, in order: the
 * precomputed features the learner-only benchmark feeds straight to the kernels.
 */
record EncodedStream(EncoderIdentity encoder, FeatureBatch all) {
  private static final int ENCODE_BATCH = 1024;

  static EncodedStream training(Scenario scenario, String streamId, EncoderSpec spec, int labelLimit) {
    return of(streamId, Math.toIntExact(scenario.trainingSize()), seq -> scenario.trainingSample(streamId, seq), spec,
        labelLimit);
  }

  static EncodedStream test(Scenario scenario, String streamId, EncoderSpec spec, int labelLimit) {
    return of(streamId, Math.toIntExact(scenario.testSize()), seq -> scenario.testSample(streamId, seq), spec,
        labelLimit);
  }

  private static EncodedStream of(String streamId, int samples, LongFunction<Sample> source, EncoderSpec spec,
      int labelLimit) {
    try (Encoder encoder = spec.open()) {
      SampleInputs inputs = SampleInputs.of(encoder, labelLimit);
      FeatureBatch all = FeatureBatch.allocate(streamId, encoder.outputDim(), samples);
      float[] pixels = new float[ENCODE_BATCH * inputs.inputSize()];
      for (int from = 0; from < samples; from += ENCODE_BATCH) {
        int n = Math.min(ENCODE_BATCH, samples - from);
        for (int i = 0; i < n; i++) {
          describe(all, from + i, source.apply(from + i), inputs, pixels, i);
        }
        float[] features = encoder.encode(pixels, n);
        System.arraycopy(features, 0, all.features, from * all.dim, n * all.dim);
      }
      return new EncodedStream(encoder.identity(), all);
    }
  }

  private static void describe(FeatureBatch all, int row, Sample sample, SampleInputs inputs, float[] pixels,
      int slot) {
    try {
      inputs.copyInput(sample, pixels, slot * inputs.inputSize());
      all.labels[row] = inputs.label(sample);
    } catch (InvalidSampleException e) {
      throw new IllegalStateException("The scenario produced an invalid sample " + sample.getSequence(), e);
    }
    all.sequences[row] = sample.getSequence();
    all.eventTimes[row] = sample.getEventTime().toEpochMilli();
    all.taskIds[row] = sample.getTaskId() == null ? -1 : sample.getTaskId();
    all.offsets[row] = row;
  }
}
