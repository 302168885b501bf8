package dev.streamcl.bench;

import dev.streamcl.events.Sample;
import dev.streamcl.scenario.Scenario;

/**
 * A scenario's training stream played {@code times} times in a row (sequence numbers and event
 * times go on), so a benchmark runs long enough for steady state; the test set is the scenario's.
 */
record RepeatedScenario(Scenario base, int times) implements Scenario {
  @Override
  public String name() {
    return base.name();
  }

  @Override
  public long seed() {
    return base.seed();
  }

  @Override
  public int samplesPerTask() {
    return base.samplesPerTask();
  }

  @Override
  public long trainingSize() {
    return base.trainingSize() * times;
  }

  @Override
  public Sample trainingSample(String streamId, long sequence) {
    Sample once = base.trainingSample(streamId, sequence % base.trainingSize());
    return Sample.newBuilder(once).setSequence(sequence)
        .setEventTime(once.getEventTime().plusMillis(sequence - once.getSequence())).build();
  }

  @Override
  public long testSize() {
    return base.testSize();
  }

  @Override
  public Sample testSample(String streamId, long sequence) {
    return base.testSample(streamId, sequence);
  }

  @Override
  public String variant() {
    String inner = base.variant().isEmpty() ? "" : base.variant() + ",";
    return inner + "repeated x" + times;
  }
}
