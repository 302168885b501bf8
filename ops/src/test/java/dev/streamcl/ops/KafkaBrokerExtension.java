package dev.streamcl.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one real Kafka broker per test JVM, the first time a test class with this extension runs,
 * and stops it when the whole test run ends. A broker start costs seconds, so test classes share it
 * and keep apart by topic names ({@link #uniqueTopicPrefix(String)}).
 *
 * <pre>{@code
 * @ExtendWith(KafkaBrokerExtension.class)
 * class MyIT {
 *   @Test void works() { String bootstrap = KafkaBrokerExtension.bootstrap(); ... }
 * }
 * }</pre>
 */
public final class KafkaBrokerExtension implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaBrokerExtension.class);
  private static final AtomicInteger TOPIC_COUNTER = new AtomicInteger();
  private static volatile BrokerResource broker;

  @Override
  public void beforeAll(ExtensionContext context) {
    // The root store lives until the end of the run and closes its values then.
    broker = context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(BrokerResource.class, type -> BrokerResource.start(), BrokerResource.class);
  }

  /** The shared broker's {@code host:port}; only valid in a class extended with this extension. */
  public static String bootstrap() {
    BrokerResource current = broker;
    if (current == null) {
      throw new IllegalStateException(
          "No broker: annotate the test class with @ExtendWith(KafkaBrokerExtension.class)");
    }
    return current.broker.bootstrap();
  }

  /**
   * A topic-name prefix no other test in this run (nor a test left over in a kept broker) uses,
   * e.g. {@code it-publishTwice-3-k2f9}. Letters, digits and '-' only, so it is also a valid
   * {@code Topics} prefix.
   */
  public static String uniqueTopicPrefix(String testName) {
    String safe = testName.replaceAll("[^A-Za-z0-9-]", "-");
    if (safe.length() > 80) {
      safe = safe.substring(0, 80);
    }
    String salt = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
    return "it-" + safe + "-" + TOPIC_COUNTER.incrementAndGet() + "-" + salt;
  }

  /**
   * Implements both close interfaces so JUnit closes it exactly once whether or not its
   * auto-closing of stored {@link AutoCloseable}s is on.
   */
  @SuppressWarnings("deprecation")
  private static final class BrokerResource implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    private final EmbeddedKafkaBroker broker;

    private BrokerResource(EmbeddedKafkaBroker broker) {
      this.broker = broker;
    }

    static BrokerResource start() {
      long startNanos = System.nanoTime();
      try {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        System.err.printf("Kafka test broker ready at %s in %d ms%n",
            broker.bootstrap(), (System.nanoTime() - startNanos) / 1_000_000);
        return new BrokerResource(broker);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start the Kafka test broker", e);
      }
    }

    @Override
    public void close() {
      KafkaBrokerExtension.broker = null;
      broker.close();
    }
  }
}
