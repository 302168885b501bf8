package dev.streamcl.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/** Users and ACLs on a secured broker, set through the admin client of a super user. */
public final class KafkaAccess {
  /**
   * Consumer groups and transactional ids of every StreamCL client start with this, whatever the topic
   * prefix: {@code streamcl-learner-<prefix>}, {@code streamcl-serving-<prefix>} (also the prefix of
   * Kafka Streams' internal topics and transactional ids), {@code streamcl-<prefix>-<sink>},
   * {@code streamcl-publisher-<topic>-<key>}.
   */
  public static final String CLIENT_ID_PREFIX = "streamcl-";

  private static final long TIMEOUT_MS = 30_000;
  private static final int SCRAM_ITERATIONS = 8192;

  private KafkaAccess() {}

  /** What a pipeline user needs: all operations on its topics, groups and transactional ids; none on the cluster. */
  public static List<AclBinding> pipelineAcls(String user, String topicPrefix) {
    Set<ResourcePattern> patterns = new LinkedHashSet<>();
    patterns.add(prefixed(ResourceType.TOPIC, topicPrefix));
    if (!CLIENT_ID_PREFIX.startsWith(topicPrefix)) {
      patterns.add(prefixed(ResourceType.TOPIC, CLIENT_ID_PREFIX));
    }
    patterns.add(prefixed(ResourceType.GROUP, CLIENT_ID_PREFIX));
    patterns.add(prefixed(ResourceType.TRANSACTIONAL_ID, CLIENT_ID_PREFIX));
    List<AclBinding> acls = new ArrayList<>();
    patterns.forEach(pattern -> acls.add(allow(user, pattern, AclOperation.ALL)));
    return acls;
  }

  public static ResourcePattern prefixed(ResourceType type, String prefix) {
    return new ResourcePattern(type, prefix, PatternType.PREFIXED);
  }

  public static AclBinding allow(String user, ResourcePattern resource, AclOperation operation) {
    return new AclBinding(resource, new AccessControlEntry(principal(user), "*", operation, AclPermissionType.ALLOW));
  }

  public static String principal(String user) {
    return "User:" + user;
  }

  /** Creates the user or sets its password; it can log in once this returns. */
  public static void upsertUser(Properties adminConfig, String user, String password) {
    try (Admin admin = Admin.create(adminConfig)) {
      call("create Kafka user " + user, () -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
          user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password)))
          .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
      // Acknowledged once the controller committed it; the broker authenticates with what it has replayed.
      awaitUntil(() -> admin.describeUserScramCredentials(List.of(user)).all().get().containsKey(user),
          "wait for user " + user);
    }
  }

  /** Adds the ACLs and returns once the broker's authorizer enforces them. */
  public static void grant(Properties adminConfig, Collection<AclBinding> acls) {
    try (Admin admin = Admin.create(adminConfig)) {
      call("create Kafka ACLs " + acls, () -> admin.createAcls(acls).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
      // DescribeAcls answers from the broker's authorizer: once it lists them, they are in force.
      awaitUntil(() -> admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(acls),
          "wait for ACLs " + acls);
    }
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void call(String what, Call call) {
    awaitUntil(() -> {
      call.run();
      return true;
    }, what);
  }

  private static void awaitUntil(Check check, String what) {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    try {
      while (!check.holds()) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("Timed out: " + what + " (" + TIMEOUT_MS + " ms)");
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for " + what, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("Cannot " + what + ": " + cause.getMessage(), cause);
    }
  }
}
