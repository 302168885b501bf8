package dev.streamcl.cli;

import dev.streamcl.kafka.ClientConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.util.SerializedThrowable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * One line for a failed Kafka login or a denied operation, found anywhere in a failure's causes (also in
 * a Flink job's): who was refused what, and the command that fixes it. Kafka's exceptions name neither
 * the user nor, for topics, the operation: the user comes from the client properties, the operation from
 * the broker (which of READ and WRITE it allows the user) or else from the client that was denied (a
 * producer writes, a consumer reads, an admin client creates).
 */
final class KafkaAccessErrors {
  private static final Pattern USERNAME = Pattern.compile("username=\"([^\"]*)\"");
  private static final String ADMIN_CONFIG = "<admin client properties>";

  private KafkaAccessErrors() {}

  /**
   * Which client a denied topic operation came from, by the classes on the stacks of the failure's causes:
   * Kafka's own exceptions carry no stack trace, the exceptions wrapping them do.
   */
  private static final List<Map.Entry<String, List<String>>> TOPIC_OPERATIONS = List.of(
      Map.entry("org.apache.kafka.clients.producer.", List.of("WRITE")),
      Map.entry("org.apache.flink.connector.kafka.sink.", List.of("WRITE")),
      Map.entry("org.apache.kafka.streams.processor.internals.RecordCollector", List.of("WRITE")),
      Map.entry("org.apache.kafka.clients.consumer.", List.of("READ")),
      Map.entry("org.apache.flink.connector.kafka.source.", List.of("READ")),
      Map.entry("org.apache.flink.connector.base.source.reader.", List.of("READ")),
      Map.entry("org.apache.kafka.clients.admin.", List.of("CREATE", "DESCRIBE")),
      Map.entry("dev.streamcl.ops.KafkaTopics", List.of("CREATE", "DESCRIBE")));

  /** The explanation if {@code failure} is a Kafka login or authorization failure. */
  static Optional<String> explain(Throwable failure, String bootstrap, Path clientProperties) {
    List<Throwable> chain = causes(failure);
    for (Throwable cause : chain) {
      if (cause instanceof AuthenticationException refused) {
        return Optional.of(authentication(refused, bootstrap, clientProperties));
      }
      if (cause instanceof AuthorizationException denied) {
        return Optional.of(authorization(denied, chain, bootstrap, clientProperties));
      }
    }
    return Optional.empty();
  }

  /** The failure and its causes, outermost first. */
  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(original(t));
    }
    return chain;
  }

  private static String authentication(AuthenticationException refused, String bootstrap, Path file) {
    String settings = file == null ? "pass --client-properties with the cluster's SASL/TLS settings" : "check " + file;
    if (refused instanceof SslAuthenticationException) {
      return "The TLS handshake with Kafka at " + bootstrap + " failed (" + firstLine(refused) + "): " + settings
          + " (ssl.truststore.* must hold the broker's certificate)";
    }
    Properties client = properties(file);
    String user = user(client).orElse("?");
    String mechanism = client.getProperty("sasl.mechanism", "GSSAPI");
    return "Kafka at " + bootstrap + " refused the login of user '" + user + "' (SASL " + mechanism
        + "): authentication failed. Check the username and password in " + (file == null ? "--client-properties"
        : file) + ", or have an admin set them: kafka-configs.sh --bootstrap-server " + bootstrap
        + " --command-config " + ADMIN_CONFIG + " --alter --add-config '" + mechanism + "=[password=...]'"
        + " --entity-type users --entity-name " + user;
  }

  private static String authorization(AuthorizationException denied, List<Throwable> chain, String bootstrap,
      Path file) {
    String principal = user(properties(file)).map(u -> "User:" + u).orElse("this client's principal");
    Denial denial = denial(denied, chain, bootstrap, file);
    return "Kafka at " + bootstrap + " denied " + principal + " " + String.join("/", denial.operations()) + " on "
        + denial.resource() + " (" + denied.getClass().getSimpleName() + "). Have an admin allow it: kafka-acls.sh"
        + " --bootstrap-server " + bootstrap + " --command-config " + ADMIN_CONFIG + " --add --allow-principal "
        + principal + denial.operations().stream().map(op -> " --operation " + op).reduce("", String::concat)
        + " " + denial.aclResource();
  }

  /** What was denied, and how kafka-acls.sh names it. */
  private record Denial(List<String> operations, String resource, String aclResource) {}

  private static Denial denial(AuthorizationException denied, List<Throwable> chain, String bootstrap, Path file) {
    if (denied instanceof TopicAuthorizationException topics && !topics.unauthorizedTopics().isEmpty()) {
      String names = String.join(",", topics.unauthorizedTopics());
      return new Denial(topicOperations(chain, topics.unauthorizedTopics(), bootstrap, file), "topic " + names,
          topics.unauthorizedTopics().stream().map(t -> "--topic " + t).reduce((a, b) -> a + " " + b).orElseThrow());
    }
    if (denied instanceof GroupAuthorizationException group && group.groupId() != null) {
      return new Denial(List.of("READ"), "consumer group " + group.groupId(), "--group " + group.groupId());
    }
    if (denied instanceof TransactionalIdAuthorizationException) {
      // The id is not in the exception; every StreamCL transactional id starts with "streamcl-".
      return new Denial(List.of("WRITE"), "a transactional id (StreamCL's start with 'streamcl-')",
          "--transactional-id streamcl- --resource-pattern-type prefixed");
    }
    return new Denial(List.of("the operation"), "the resource in '" + firstLine(denied) + "'", "<resource>");
  }

  /**
   * The broker's word first: of READ and WRITE, those the user is not allowed on the topics; when that
   * leaves both (or the broker cannot say), the client that was denied.
   */
  private static List<String> topicOperations(List<Throwable> chain, Set<String> topics, String bootstrap,
      Path file) {
    List<String> missing = missingTopicOperations(topics, bootstrap, file);
    if (missing.size() == 1) {
      return missing;
    }
    return deniedClient(chain).orElse(List.of("READ", "WRITE"));
  }

  /** A producer was denied writing, a consumer reading, an admin client creating or describing. */
  private static Optional<List<String>> deniedClient(List<Throwable> chain) {
    for (int i = chain.size() - 1; i >= 0; i--) {
      for (StackTraceElement frame : chain.get(i).getStackTrace()) {
        for (Map.Entry<String, List<String>> client : TOPIC_OPERATIONS) {
          if (frame.getClassName().startsWith(client.getKey())) {
            return Optional.of(client.getValue());
          }
        }
      }
    }
    return Optional.empty();
  }

  /** READ and WRITE, less what the broker says this user may do on all the topics; empty if it cannot say. */
  private static List<String> missingTopicOperations(Set<String> topics, String bootstrap, Path file) {
    Properties admin = new ClientConfigs(bootstrap, properties(file), true).admin();
    admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    try (Admin client = Admin.create(admin)) {
      Collection<TopicDescription> described = client.describeTopics(topics,
          new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get(10, TimeUnit.SECONDS)
          .values();
      return Stream.of(AclOperation.READ, AclOperation.WRITE)
          .filter(op -> described.stream().anyMatch(d -> d.authorizedOperations() == null
              || !d.authorizedOperations().contains(op)))
          .map(AclOperation::name).toList();
    } catch (Exception e) {
      // Not even DESCRIBE, or no answer: the stack of the failure has to tell.
      return List.of();
    }
  }

  private static Optional<String> user(Properties client) {
    Matcher m = USERNAME.matcher(client.getProperty("sasl.jaas.config", ""));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static Properties properties(Path file) {
    try {
      return ClientConfigs.loadProperties(file);
    } catch (IllegalArgumentException e) {
      return new Properties();
    }
  }

  /** Flink ships a task's failure as a SerializedThrowable; it turns back into the exception when it can. */
  private static Throwable original(Throwable t) {
    if (t instanceof SerializedThrowable serialized) {
      return serialized.deserializeError(KafkaAccessErrors.class.getClassLoader());
    }
    return t;
  }

  private static String firstLine(Throwable t) {
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
