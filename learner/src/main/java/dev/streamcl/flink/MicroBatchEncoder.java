package dev.streamcl.flink;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.ingest.DeadLetters;
import dev.streamcl.learner.FeatureBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Collects samples into micro-batches, runs the frozen encoder once per batch, and emits one
 * {@link FeatureBatch} per stream in arrival order. A batch is flushed when full, when the oldest
 * sample has waited {@code maxDelayMs}, before every checkpoint barrier (so nothing buffered is
 * lost on restore) and at end of input. Samples whose features come out non-finite are dead-lettered.
 */
public final class MicroBatchEncoder extends AbstractStreamOperator<FeatureBatch>
    implements OneInputStreamOperator<ValidSample, FeatureBatch> {
  static final String ENCODED_ACCUMULATOR = "encoded-samples";

  private final EncoderSpec encoderSpec;
  private final int batchSize;
  private final long maxDelayMs;

  private transient Encoder encoder;
  private transient List<ValidSample> buffer;
  /** Processing time at which the pending flush is due; 0 when none is pending. */
  private transient long flushDue;
  private transient Counter encoded;
  private transient LongCounter encodedTotal;
  private transient Counter deadLettered;

  public MicroBatchEncoder(EncoderSpec encoderSpec, int batchSize, long maxDelayMs) {
    this.encoderSpec = encoderSpec;
    this.batchSize = batchSize;
    this.maxDelayMs = maxDelayMs;
  }

  @Override
  public void open() throws Exception {
    super.open();
    encoder = encoderSpec.open();
    buffer = new ArrayList<>(batchSize);
    encoded = getMetricGroup().counter("encodedSamples");
    encodedTotal = new LongCounter();
    getRuntimeContext().addAccumulator(ENCODED_ACCUMULATOR, encodedTotal);
    deadLettered = getMetricGroup().counter("deadLetters");
  }

  @Override
  public void processElement(StreamRecord<ValidSample> element) {
    buffer.add(element.getValue());
    if (buffer.size() >= batchSize) {
      flush();
    } else if (flushDue == 0) {
      scheduleFlush();
    }
  }

  /** Buffered samples precede the watermark, so the end-of-input watermark follows the last batch. */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    flush();
    super.processWatermark(mark);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) {
    flush();
  }

  @Override
  public void finish() throws Exception {
    flush();
    super.finish();
  }

  @Override
  public void close() throws Exception {
    if (encoder != null) {
      encoder.close();
    }
    super.close();
  }

  private void scheduleFlush() {
    long due = getProcessingTimeService().getCurrentProcessingTime() + maxDelayMs;
    flushDue = due;
    // A timer of a batch that was flushed early must not cut the next batch short.
    getProcessingTimeService().registerTimer(due, time -> {
      if (flushDue == due) {
        flush();
      }
    });
  }

  private void flush() {
    flushDue = 0;
    if (buffer.isEmpty()) {
      return;
    }
    int inputSize = buffer.get(0).input.length;
    float[] inputs = new float[buffer.size() * inputSize];
    for (int i = 0; i < buffer.size(); i++) {
      System.arraycopy(buffer.get(i).input, 0, inputs, i * inputSize, inputSize);
    }
    float[] features = encoder.encode(inputs, buffer.size());
    emitPerStream(features, encoder.identity().getOutputDim());
    buffer.clear();
  }

  private void emitPerStream(float[] features, int dim) {
    // One batch per stream and source topic: key-initialisation samples never mix with training samples.
    Map<List<String>, List<Integer>> rowsBySource = new LinkedHashMap<>();
    for (int i = 0; i < buffer.size(); i++) {
      ValidSample sample = buffer.get(i);
      if (isFinite(features, i * dim, dim)) {
        rowsBySource.computeIfAbsent(List.of(sample.streamId, sample.topic), s -> new ArrayList<>()).add(i);
      } else {
        deadLetterNonFinite(sample);
      }
    }
    rowsBySource.forEach((source, rows) ->
        output.collect(new StreamRecord<>(batchOf(source.get(0), rows, features, dim))));
  }

  private FeatureBatch batchOf(String streamId, List<Integer> rows, float[] features, int dim) {
    int n = rows.size();
    FeatureBatch batch = FeatureBatch.allocate(streamId, dim, n);
    for (int k = 0; k < n; k++) {
      ValidSample sample = buffer.get(rows.get(k));
      System.arraycopy(features, rows.get(k) * dim, batch.features, k * dim, dim);
      batch.sequences[k] = sample.sequence;
      batch.eventTimes[k] = sample.eventTime;
      batch.labels[k] = sample.label;
      batch.taskIds[k] = sample.taskId;
      batch.topic = sample.topic;
      batch.partitions[k] = sample.partition;
      batch.offsets[k] = sample.offset;
    }
    encoded.inc(n);
    encodedTotal.add(n);
    return batch;
  }

  private static boolean isFinite(float[] values, int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (!Float.isFinite(values[i])) {
        return false;
      }
    }
    return true;
  }

  private void deadLetterNonFinite(ValidSample sample) {
    deadLettered.inc();
    output.collect(OutputTags.DEAD_LETTERS, new StreamRecord<>(DeadLetters.of(sample.topic, sample.partition,
        sample.offset, null, sample.rawValue, "encode", DeadLetterReason.NON_FINITE,
        "Encoder " + encoder.identity().getName() + " produced non-finite features for sample " + sample.sequence
            + " of stream '" + sample.streamId + "'; check the input range or the encoder model",
        getProcessingTimeService().getCurrentProcessingTime())));
  }
}
