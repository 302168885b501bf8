package dev.streamcl.bench;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Real-sized models for the serving benchmark, on 28x28 pixels (784 features) and 10 classes, published as
 * the learner job publishes them: NMC versions as whole snapshots, KVB (the CPU default, 64 codebooks x 512
 * keys of dimension 14) as chunked snapshots and, between them, sparse deltas that rewrite a quarter of the
 * value rows each. Requests are noisy copies of ten class prototypes. Deterministic for a seed.
 */
final class ServingBenchModels {
  static final int SIDE = 28;
  static final int DIM = SIDE * SIDE;
  static final int CLASSES = 10;
  static final KvbHyperparameters KVB = KvbHyperparameters.defaults();
  private static final int IMAGES = 64;

  private final EncoderIdentity encoder;
  private final long seed;
  private final byte[][] prototypes = new byte[CLASSES][DIM];
  private final byte[][] images = new byte[IMAGES][];
  private final float[] kvbKeys;
  private final EventCodec<Sample> samples = EventCodec.samples();

  ServingBenchModels(EncoderIdentity encoder, long seed) {
    this.encoder = encoder;
    this.seed = seed;
    Random random = new Random(seed);
    for (byte[] prototype : prototypes) {
      random.nextBytes(prototype);
    }
    for (int i = 0; i < IMAGES; i++) {
      images[i] = noisy(prototypes[i % CLASSES], random);
    }
    kvbKeys = new float[KVB.valueRows() * KVB.keyDim()];
    for (int k = 0; k < kvbKeys.length; k++) {
      kvbKeys[k] = (float) random.nextGaussian();
    }
  }

  /** The encoded request {@code sequence} of {@code stream}: one of the noisy prototype images. */
  byte[] request(String stream, long sequence) {
    byte[] pixels = images[(int) (sequence % IMAGES)];
    Sample sample = Sample.newBuilder().setStreamId(stream).setSequence(sequence)
        .setEventTime(Instant.ofEpochMilli(sequence)).setTaskId(null).setLabel(null)
        .setInput(new RawImage(SIDE, SIDE, 1, ByteBuffer.wrap(pixels))).build();
    return samples.encode(sample);
  }

  /** NMC version {@code version}: class sums of noisy prototypes, different for every version. */
  ModelUpdate nmcSnapshot(String stream, long version) {
    Random random = new Random(seed ^ version * 31 ^ stream.hashCode());
    int[] labels = new int[CLASSES];
    long[] counts = new long[CLASSES];
    float[] sums = new float[CLASSES * DIM];
    for (int c = 0; c < CLASSES; c++) {
      labels[c] = c;
      counts[c] = 100 + random.nextInt(100);
      byte[] mean = noisy(prototypes[c], random);
      for (int k = 0; k < DIM; k++) {
        sums[c * DIM + k] = counts[c] * (mean[k] & 0xFF) / 255f;
      }
    }
    return new NearestClassMeanModel(encoder, labels, sums, counts)
        .toSnapshot(stream, version, version * 1000, version * 1000, List.of(), Instant.ofEpochMilli(version));
  }

  /** A KVB snapshot (the frozen keys, random values) as the chunks the learner job writes. */
  List<ModelUpdate> kvbSnapshotChunks(String stream, long version) {
    return ModelUpdateChunks.split(kvbSnapshot(stream, version), ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES);
  }

  /** The same snapshot whole. */
  ModelUpdate kvbSnapshot(String stream, long version) {
    Random random = new Random(seed ^ version * 17 ^ stream.hashCode());
    float[] values = new float[KVB.valueRows() * KVB.classes()];
    for (int v = 0; v < values.length; v++) {
      values[v] = random.nextFloat();
    }
    KeyValueBottleneck state = KeyValueBottleneck.of(KVB, DIM, kvbKeys, values, 1000, 1000);
    ModelUpdate snapshot = KeyValueBottleneckModel.snapshot(stream, version, state, encoder, List.of(),
        Instant.ofEpochMilli(version));
    return ModelUpdateChunks.withPortableModelDigest(snapshot);
  }

  /** KVB version {@code version} on {@code version - 1}: a quarter of the value rows, new values. */
  ModelUpdate kvbDelta(ModelUpdate snapshotChunk, long version) {
    Random random = new Random(seed ^ version * 131 ^ snapshotChunk.getStreamId().hashCode());
    int rows = KVB.valueRows() / 4;
    int[] all = random.ints(0, KVB.valueRows()).distinct().limit(rows).sorted().toArray();
    float[] values = new float[rows * KVB.classes()];
    for (int v = 0; v < values.length; v++) {
      values[v] = random.nextFloat();
    }
    NamedTensor tensor = NamedTensor.newBuilder().setName(KeyValueBottleneckModel.VALUES)
        .setShape(List.of(KVB.valueRows(), KVB.classes())).setFirstRow(0)
        .setRowIndices(Arrays.stream(all).boxed().toList()).setValues(FloatBytes.toBytes(values)).build();
    return ModelUpdate.newBuilder(snapshotChunk).setModelVersion(version).setKind(UpdateKind.DELTA)
        .setBaseVersion(version - 1).setTensors(List.of(tensor)).setPortableModel(null)
        .setPortableModelSha256(null).setChunkIndex(0).setChunkCount(1)
        .setCreatedAt(Instant.ofEpochMilli(version)).build();
  }

  private static byte[] noisy(byte[] prototype, Random random) {
    byte[] image = new byte[prototype.length];
    for (int k = 0; k < image.length; k++) {
      int value = (prototype[k] & 0xFF) + random.nextInt(61) - 30;
      image[k] = (byte) Math.max(0, Math.min(255, value));
    }
    return image;
  }
}
