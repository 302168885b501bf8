package dev.streamcl.flink;

import java.util.HashMap;
import java.util.Map;

/** Per stream and learner: the last published version and what has been learned since. */
public class PublishProgress {
  public long version;
  public long labelledSincePublish;
  public long samplesSincePublish;
  public long newestEventTime;
  public String topic;
  /** Source partition → offset of the newest sample learned from it. */
  public Map<Integer, Long> offsets = new HashMap<>();

  public PublishProgress() {}

  /** Something was learned since the last version; unlabelled samples alone change no model. */
  public boolean hasUnpublished() {
    return labelledSincePublish > 0;
  }
}
