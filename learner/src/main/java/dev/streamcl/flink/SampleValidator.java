package dev.streamcl.flink;

import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.MalformedEventException;
import dev.streamcl.events.Sample;
import dev.streamcl.ingest.DeadLetters;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes and checks raw sample records. Everything that cannot be learned from goes to the
 * dead-letter side output with its reason and is counted; valid samples flow on untouched.
 */
public final class SampleValidator extends ProcessFunction<RawRecord, ValidSample> {
  private final SampleInputs inputs;
  private final int maxPayloadBytes;

  private transient EventCodec<Sample> codec;
  private transient Counter valid;
  private transient Counter deadLettered;

  public SampleValidator(SampleInputs inputs, int maxPayloadBytes) {
    this.inputs = inputs;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    codec = EventCodec.samples();
    valid = getRuntimeContext().getMetricGroup().counter("validSamples");
    deadLettered = getRuntimeContext().getMetricGroup().counter("deadLetters");
  }

  @Override
  public void processElement(RawRecord record, Context ctx, Collector<ValidSample> out) {
    try {
      out.collect(validate(record));
      valid.inc();
    } catch (InvalidSampleException e) {
      deadLetter(record, e.reason(), e.getMessage(), ctx);
    }
  }

  private ValidSample validate(RawRecord record) throws InvalidSampleException {
    if (record.value != null && record.value.length > maxPayloadBytes) {
      throw new InvalidSampleException(DeadLetterReason.OVERSIZED, "Record of " + record.value.length
          + " bytes exceeds the " + maxPayloadBytes
          + "-byte sample limit; send smaller inputs or raise --max-payload-bytes");
    }
    Sample sample = decode(record);
    ValidSample valid = new ValidSample();
    valid.streamId = sample.getStreamId();
    valid.sequence = sample.getSequence();
    valid.eventTime = sample.getEventTime().toEpochMilli();
    valid.label = inputs.label(sample);
    valid.taskId = sample.getTaskId() == null ? -1 : sample.getTaskId();
    valid.input = new float[inputs.inputSize()];
    inputs.copyInput(sample, valid.input, 0);
    valid.topic = record.topic;
    valid.partition = record.partition;
    valid.offset = record.offset;
    valid.rawValue = record.value;
    return valid;
  }

  private Sample decode(RawRecord record) throws InvalidSampleException {
    try {
      return codec.decode(record.value);
    } catch (MalformedEventException e) {
      throw new InvalidSampleException(DeadLetterReason.MALFORMED, e.getMessage());
    }
  }

  private void deadLetter(RawRecord record, DeadLetterReason reason, String error, Context ctx) {
    deadLettered.inc();
    ctx.output(OutputTags.DEAD_LETTERS, DeadLetters.of(record.topic, record.partition, record.offset,
        record.key, record.value, "validate", reason, error, ctx.timerService().currentProcessingTime()));
  }
}
