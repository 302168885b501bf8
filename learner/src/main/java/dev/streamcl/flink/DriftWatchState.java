package dev.streamcl.flink;

import dev.streamcl.drift.PrequentialDriftDetector;

/** What {@link DriftWatch} keeps per stream: its detector and how many predictions it saw. */
final class DriftWatchState {
  final PrequentialDriftDetector detector;
  long predictions;

  DriftWatchState(PrequentialDriftDetector detector, long predictions) {
    this.detector = detector;
    this.predictions = predictions;
  }
}
