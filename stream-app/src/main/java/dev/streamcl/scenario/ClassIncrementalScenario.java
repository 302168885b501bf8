package dev.streamcl.scenario;

/** A scenario whose tasks bring disjoint classes, one task after another: what the demo runs and tabulates. */
public interface ClassIncrementalScenario extends Scenario {
  int tasks();

  int classes();

  /** The classes task {@code task} brings, as the demo prints them ("2,3", "5-9"). */
  String classesOfTask(int task);

  /** The same training samples in one i.i.d. order across all tasks: the joint upper bound's stream. */
  ClassIncrementalScenario iid();
}
