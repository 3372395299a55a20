package dev.cdiff.embedded;

import dev.cdiff.platform.kafka.KafkaAccess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Puts {@link KafkaAccess} on a secured {@link EmbeddedKafka}: a SCRAM credential per principal and the ACLs, then
 * waits until the broker serves them (KRaft applies metadata asynchronously; a client racing ahead would be refused).
 */
public final class BrokerSecurity {
    private static final int ITERATIONS = 4096;

    private BrokerSecurity() {
    }

    /** SCRAM users for every platform principal and their ACLs, topic names after {@code topicPrefix}. */
    public static void apply(EmbeddedKafka kafka, StackCredentials credentials, String topicPrefix) {
        if (!kafka.secured()) {
            return;
        }
        try (Admin admin = Admin.create(kafka.superUserClientSettings())) {
            upsertUsers(admin, credentials.kafkaPasswords());
            createAcls(admin, KafkaAccess.bindings(topicPrefix));
        }
    }

    /**
     * An external trigger system: its SCRAM user, the trigger topic of each bound tenant, and write access to those
     * topics only.
     */
    public static void bindTrigger(EmbeddedKafka kafka, String system, String password, List<String> tenants,
                                   String topicPrefix) {
        try (Admin admin = Admin.create(kafka.superUserClientSettings())) {
            List<NewTopic> topics = new ArrayList<>();
            tenants.forEach(t -> topics.add(new NewTopic(topicPrefix + KafkaAccess.triggerTopic(t), 1, (short) 1)));
            admin.createTopics(topics).values().forEach((name, f) -> {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create trigger topic " + name, e.getCause());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("cannot create trigger topic " + name, e);
                }
            });
            upsertUsers(admin, Map.of(KafkaAccess.triggerPrincipal(system), password));
            createAcls(admin, KafkaAccess.triggerBindings(system, tenants, topicPrefix));
        }
    }

    private static void upsertUsers(Admin admin, Map<String, String> passwords) {
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        passwords.forEach((user, password) -> upserts.add(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, ITERATIONS), password)));
        try {
            admin.alterUserScramCredentials(upserts).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!admin.describeUserScramCredentials(List.copyOf(passwords.keySet())).all()
                    .get(30, TimeUnit.SECONDS).keySet().containsAll(passwords.keySet())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("SCRAM users not visible on the broker after 30 s");
                }
                Thread.sleep(20);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the SCRAM users " + passwords.keySet(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the SCRAM users " + passwords.keySet(), e);
        }
    }

    private static void createAcls(Admin admin, List<AclBinding> bindings) {
        try {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            Set<AclBinding> wanted = new HashSet<>(bindings);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .containsAll(wanted)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("ACLs not visible on the broker after 30 s");
                }
                Thread.sleep(20);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create ACLs", e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("cannot create ACLs", e);
        }
    }
}
