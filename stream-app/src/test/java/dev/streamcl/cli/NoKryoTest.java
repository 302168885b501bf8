package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.scenario.FashionMnist;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo's learner job never falls back to Kryo: generic types are off, so any record or state type
 * without explicit type information would fail it; the job graph holds no Kryo serializer; the whole
 * demo runs that way; and the same setting does fail a job with a Kryo-typed state.
 */
@ExtendWith(KafkaBrokerExtension.class)
class NoKryoTest {
  private static final LearnerJobConfig DEMO_JOB = LearnerJobConfig.builder(
      EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu())).learners("nmc", "kvb", "er", "fetril", "finetune")
      .build();

  @Test
  void theDemoJobGraphHasGenericTypesOffAndNoKryoSerializer() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    KafkaLearnerJob.configure(env, DEMO_JOB);
    // A reachable broker: building the job counts the warm-up samples in KVB's key-init topic.
    KafkaLearnerJob.create(ClientConfigs.of(KafkaBrokerExtension.bootstrap()),
        new Topics(KafkaBrokerExtension.uniqueTopicPrefix("nokryo-graph")), DEMO_JOB, true).build(env);
    assertTrue(env.getConfig().getSerializerConfig().hasGenericTypesDisabled());
    StreamGraph graph = env.getStreamGraph();
    List<String> serializers = new ArrayList<>();
    for (StreamNode node : graph.getStreamNodes()) {
      for (TypeSerializer<?> in : node.getTypeSerializersIn()) {
        serializers.add(node.getOperatorName() + " in: " + in.getClass().getSimpleName());
        assertFalse(in instanceof KryoSerializer, node.getOperatorName() + " reads with Kryo");
      }
      if (node.getTypeSerializerOut() != null) {
        serializers.add(node.getOperatorName() + " out: " + node.getTypeSerializerOut().getClass().getSimpleName());
        assertFalse(node.getTypeSerializerOut() instanceof KryoSerializer,
            node.getOperatorName() + " writes with Kryo");
      }
    }
    assertTrue(serializers.size() > 10, serializers.toString());
    System.out.println("demo job graph serializers: " + serializers);
  }

  @Test
  void theWholeDemoRunsWithGenericTypesOff() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("nokryo"));
    Demo.Result result = Demo.run(new Demo.Settings(KafkaBrokerExtension.bootstrap(), new Properties(), topics.prefix(),
        "split-fmnist", FashionMnist.atDefaultLocation().dir(), 42, "split-fmnist", 150, 2,
        DEMO_JOB.toBuilder().publishEvery(150).build(), false, false, 5, null, null), System.out);
    assertEquals(DEMO_JOB.learners().stream().sorted().toList(), result.learners().keySet().stream().sorted().toList());
    result.learners().forEach((learner, r) -> assertTrue(r.modelVersions() > 0, learner + " published nothing"));
    System.out.println("demo with generic types off: " + result.learnedSamples() + " samples, versions "
        + result.learners().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().modelVersions()).toList());
  }

  @Test
  void theSameSettingFailsAJobWhoseStateWouldUseKryo() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    LearnerJob.forbidKryo(env);
    env.fromData("a", "b", "a").keyBy(s -> s).process(new KryoStateFunction()).print();
    Exception failure = assertThrows(Exception.class, env::execute);
    StringBuilder causes = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      causes.append(t.getMessage()).append('\n');
    }
    assertTrue(causes.toString().contains("Generic types have been disabled"), causes.toString());
  }

  /** Keeps a BitSet, which Flink can only serialise generically (Kryo). */
  private static final class KryoStateFunction extends KeyedProcessFunction<String, String, String> {
    private transient ValueState<BitSet> seen;

    @Override
    public void open(OpenContext context) {
      seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", TypeInformation.of(BitSet.class)));
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      seen.update(new BitSet());
      out.collect(value);
    }
  }
}
