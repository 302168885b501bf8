package dev.streamcl.flink;

import dev.streamcl.learner.FeatureBatch;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** The type of the encoder's output stream: feature batches with the bulk {@link FeatureBatchSerializer}. */
public final class FeatureBatchTypeInfo extends TypeInformation<FeatureBatch> {
  private static final long serialVersionUID = 1L;

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<FeatureBatch> getTypeClass() {
    return FeatureBatch.class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<FeatureBatch> createSerializer(SerializerConfig config) {
    return new FeatureBatchSerializer();
  }

  @Override
  public String toString() {
    return "FeatureBatch (bulk arrays)";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureBatchTypeInfo;
  }

  @Override
  public int hashCode() {
    return FeatureBatchTypeInfo.class.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof FeatureBatchTypeInfo;
  }
}
