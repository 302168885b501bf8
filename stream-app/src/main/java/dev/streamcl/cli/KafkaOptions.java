package dev.streamcl.cli;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import picocli.CommandLine.Option;

/** Where Kafka is and which topics to use; shared by every command. */
public final class KafkaOptions {
  @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}, the broker of `streamcl broker`).")
  String bootstrap;

  @Option(names = "--client-properties",
      description = "Kafka client properties file, e.g. the SASL/TLS settings of a real cluster.")
  Path clientProperties;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  /** Client settings for a cluster that answered; fails fast with what to do when none does. */
  public ClientConfigs clients() {
    ClientConfigs clients = new ClientConfigs(bootstrap, ClientConfigs.loadProperties(clientProperties), true);
    requireReachable(clients);
    return clients;
  }

  static void requireReachable(ClientConfigs clients) {
    Properties admin = clients.admin();
    admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    try (Admin client = Admin.create(admin)) {
      client.describeCluster().clusterId().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException refused) {
        // A broker did answer: the login failed, which StreamCl's error handler explains.
        throw refused;
      }
      throw unreachable(clients, e.getCause());
    } catch (Exception e) {
      throw unreachable(clients, e);
    }
  }

  private static UserError unreachable(ClientConfigs clients, Throwable e) {
    return new UserError("No Kafka broker answered at " + clients.bootstrap() + " within 15 s ("
        + e.getClass().getSimpleName() + "): start one with `streamcl broker`, or pass --bootstrap (and "
        + "--client-properties for a secured cluster)");
  }

  public Topics topics() {
    return new Topics(topicPrefix);
  }
}
