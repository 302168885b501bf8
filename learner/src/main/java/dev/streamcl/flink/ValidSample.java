package dev.streamcl.flink;

/** A decoded, checked sample with its encoder input; the raw bytes stay for a late dead letter. */
public class ValidSample {
  public String streamId;
  public long sequence;
  public long eventTime;
  /** -1 when unlabelled. */
  public int label;
  /** -1 when unknown. */
  public int taskId;
  public float[] input;
  public String topic;
  public int partition;
  public long offset;
  public byte[] rawValue;

  public ValidSample() {}
}
