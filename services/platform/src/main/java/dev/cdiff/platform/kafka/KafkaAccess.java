package dev.cdiff.platform.kafka;

import dev.cdiff.platform.Topics;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may do what on the bus: one Kafka principal per service, each allowed to read the topics it consumes (in its
 * own consumer group) and to write the topics it produces, and nothing else. The broker denies whatever is not
 * listed here ({@code allow.everyone.if.no.acl.found=false}); {@link #ADMIN} is the only super user.
 *
 * <p>The embedded stack applies {@link #bindings} at every start; {@code deploy/kafka-security.sh} applies the
 * same grants in docker-compose, printed by {@code cdiff kafka-acls}.
 *
 * <p>External trigger principals ({@link #triggerPrincipal}) may write only the per-tenant trigger topics
 * {@code ingestion-requested.<tenant>} of the tenants bound to them; ingestion reads every such topic and refuses
 * an event whose tenantId is not the topic's tenant.
 */
public final class KafkaAccess {
    public static final String ADMIN = "admin";
    public static final String REGISTRY = "registry";
    public static final String INGESTION = "ingestion";
    public static final String RETRIEVAL = "retrieval";
    public static final String TRAINING = "training";
    public static final String MERGING = "merging";
    public static final String SAMPLING = "sampling";
    public static final String ORCHESTRATOR = "orchestrator";
    /** The operator's command line: sends sample/merge requests and reads every event topic, in no group. */
    public static final String CLI = "cli";
    /** The public HTTP API: publishes requests on a tenant's behalf and reads events back. */
    public static final String GATEWAY = "gateway";
    /** Copies every job's events into the audit log in S3 (reads only). */
    public static final String ARCHIVER = "archiver";
    /** Kafka Streams application id of the orchestrator: its group, internal topics and transactional ids. */
    public static final String ORCHESTRATOR_APPLICATION_ID = "cdiff-orchestrator";
    /** Ingestion's consumer group over the trigger topics (apart from its own, so neither rebalances the other). */
    public static final String INGESTION_TRIGGER_GROUP = "ingestion-triggers";
    /** Per-tenant trigger topics: {@code ingestion-requested.<tenant>}. */
    public static final String TRIGGER_TOPIC_PREFIX = Topics.INGESTION_REQUESTED + ".";

    private static final Set<String> REQUESTS = Set.of(Topics.INGESTION_REQUESTED, Topics.TRAINING_REQUESTED,
            Topics.MERGE_REQUESTED, Topics.SAMPLE_REQUESTED);

    /** What one principal may read (consume, in its group) and write (produce). */
    public record Grants(List<String> reads, List<String> writes) {
    }

    private KafkaAccess() {
    }

    /** The principals that run inside the platform, with their topics (logical names). */
    public static Map<String, Grants> services() {
        Map<String, Grants> m = new LinkedHashMap<>();
        m.put(INGESTION, new Grants(List.of(Topics.INGESTION_REQUESTED),
                List.of(Topics.CONCEPT_SUBMITTED, Topics.CONCEPT_REJECTED, Topics.DEAD_LETTER)));
        m.put(RETRIEVAL, new Grants(List.of(Topics.REGULARIZATION_REQUESTED),
                List.of(Topics.REGULARIZATION_READY, Topics.JOB_FAILED, Topics.DEAD_LETTER)));
        m.put(TRAINING, new Grants(List.of(Topics.TRAINING_REQUESTED),
                List.of(Topics.TRAINING_PROGRESS, Topics.TRAINING_COMPLETED, Topics.TRAINING_FAILED,
                        Topics.DEAD_LETTER)));
        m.put(MERGING, new Grants(List.of(Topics.MERGE_REQUESTED),
                List.of(Topics.MERGE_COMPLETED, Topics.JOB_FAILED, Topics.DEAD_LETTER)));
        m.put(SAMPLING, new Grants(List.of(Topics.SAMPLE_REQUESTED),
                List.of(Topics.SAMPLES_GENERATED, Topics.JOB_FAILED, Topics.DEAD_LETTER)));
        m.put(ORCHESTRATOR, new Grants(
                List.of(Topics.INGESTION_REQUESTED, Topics.CONCEPT_SUBMITTED, Topics.CONCEPT_REJECTED,
                        Topics.REGULARIZATION_READY, Topics.TRAINING_PROGRESS, Topics.TRAINING_COMPLETED,
                        Topics.TRAINING_FAILED, Topics.SAMPLE_REQUESTED, Topics.SAMPLES_GENERATED,
                        Topics.MERGE_REQUESTED, Topics.MERGE_COMPLETED, Topics.JOB_FAILED, Topics.DEAD_LETTER,
                        // the fair scheduler: its own one-partition queue, and the requests it released
                        Topics.TRAINING_SCHEDULE, Topics.TRAINING_REQUESTED),
                List.of(Topics.REGULARIZATION_REQUESTED, Topics.TRAINING_REQUESTED, Topics.SAMPLE_REQUESTED,
                        Topics.JOB_FAILED, Topics.DEAD_LETTER, Topics.TRAINING_SCHEDULE)));
        List<String> events = eventTopics();
        m.put(CLI, new Grants(events, List.of(Topics.SAMPLE_REQUESTED, Topics.MERGE_REQUESTED)));
        m.put(GATEWAY, new Grants(events, List.copyOf(REQUESTS.stream().sorted().toList())));
        m.put(ARCHIVER, new Grants(events.stream().filter(t -> !t.equals(Topics.TRAINING_PROGRESS)
                && !t.equals(Topics.DEAD_LETTER)).toList(), List.of()));
        m.put(REGISTRY, new Grants(List.of(Topics.SCHEMAS), List.of(Topics.SCHEMAS)));
        return m;
    }

    /** Every principal the platform itself needs a password for (admin first). */
    public static List<String> principals() {
        List<String> all = new ArrayList<>();
        all.add(ADMIN);
        all.addAll(services().keySet());
        return all;
    }

    private static List<String> eventTopics() {
        List<String> all = new ArrayList<>(Topics.all().values());
        all.remove(Topics.DEAD_LETTER);
        all.add(Topics.DEAD_LETTER);
        return List.copyOf(all);
    }

    /** The principal name of an external trigger system, e.g. {@code trigger-acme-dam}. */
    public static String triggerPrincipal(String system) {
        return "trigger-" + system;
    }

    /** The trigger topic of a tenant, before the deployment's topic prefix. */
    public static String triggerTopic(String tenant) {
        return TRIGGER_TOPIC_PREFIX + tenant;
    }

    /** The tenant a trigger topic belongs to, or null when {@code topic} (prefix removed) is not one. */
    public static String tenantOfTriggerTopic(String logicalTopic) {
        return logicalTopic.startsWith(TRIGGER_TOPIC_PREFIX) && logicalTopic.length() > TRIGGER_TOPIC_PREFIX.length()
                ? logicalTopic.substring(TRIGGER_TOPIC_PREFIX.length()) : null;
    }

    /** The ACLs of every platform principal, topic names after {@code topicPrefix}. */
    public static List<AclBinding> bindings(String topicPrefix) {
        List<AclBinding> out = new ArrayList<>();
        services().forEach((principal, grants) -> {
            for (String topic : grants.reads()) {
                out.add(allow(principal, ResourceType.TOPIC, topicPrefix + topic, PatternType.LITERAL, AclOperation.READ));
            }
            for (String topic : grants.writes()) {
                out.add(allow(principal, ResourceType.TOPIC, topicPrefix + topic, PatternType.LITERAL, AclOperation.WRITE));
            }
        });
        for (String service : List.of(INGESTION, RETRIEVAL, TRAINING, MERGING, SAMPLING, ARCHIVER)) {
            out.add(allow(service, ResourceType.GROUP, service, PatternType.LITERAL, AclOperation.READ));
        }
        // ingestion consumes every tenant's trigger topic (created by the operator when a tenant is bound)
        out.add(allow(INGESTION, ResourceType.GROUP, INGESTION_TRIGGER_GROUP, PatternType.LITERAL, AclOperation.READ));
        out.add(allow(INGESTION, ResourceType.TOPIC, topicPrefix + TRIGGER_TOPIC_PREFIX, PatternType.PREFIXED,
                AclOperation.READ));
        out.add(allow(INGESTION, ResourceType.TOPIC, topicPrefix + TRIGGER_TOPIC_PREFIX, PatternType.PREFIXED,
                AclOperation.DESCRIBE));
        // orchestrator (Kafka Streams, exactly-once): its group, changelog/repartition topics and transactional ids
        // all start with the application id
        out.add(allow(ORCHESTRATOR, ResourceType.GROUP, ORCHESTRATOR_APPLICATION_ID, PatternType.PREFIXED,
                AclOperation.READ));
        out.add(allow(ORCHESTRATOR, ResourceType.TOPIC, ORCHESTRATOR_APPLICATION_ID, PatternType.PREFIXED,
                AclOperation.ALL));
        out.add(allow(ORCHESTRATOR, ResourceType.TRANSACTIONAL_ID, ORCHESTRATOR_APPLICATION_ID, PatternType.PREFIXED,
                AclOperation.WRITE));
        out.add(allow(ORCHESTRATOR, ResourceType.TRANSACTIONAL_ID, ORCHESTRATOR_APPLICATION_ID, PatternType.PREFIXED,
                AclOperation.DESCRIBE));
        // the orchestrator grows dead-letter to the event topics' partition count on a workspace made before
        out.add(allow(ORCHESTRATOR, ResourceType.TOPIC, topicPrefix + Topics.DEAD_LETTER, PatternType.LITERAL,
                AclOperation.ALTER));
        // the gateway and the CLI follow events with consumers of their own name
        out.add(allow(GATEWAY, ResourceType.GROUP, GATEWAY, PatternType.PREFIXED, AclOperation.READ));
        out.add(allow(CLI, ResourceType.GROUP, "cdiff-cli", PatternType.PREFIXED, AclOperation.READ));
        out.add(allow(CLI, ResourceType.GROUP, "cdiff-dlq", PatternType.PREFIXED, AclOperation.READ));
        // Confluent's registry keeps a consumer group (and its leader election) named schema-registry
        out.add(allow(REGISTRY, ResourceType.GROUP, "schema-registry", PatternType.PREFIXED, AclOperation.READ));
        // the registry creates its compacted storage topic when it is the first to start
        out.add(allow(REGISTRY, ResourceType.TOPIC, topicPrefix + Topics.SCHEMAS, PatternType.LITERAL,
                AclOperation.CREATE));
        out.add(allow(REGISTRY, ResourceType.TOPIC, topicPrefix + Topics.SCHEMAS, PatternType.LITERAL,
                AclOperation.DESCRIBE_CONFIGS));
        return out;
    }

    /** An external trigger system's ACLs: write (and describe) the trigger topic of each tenant bound to it. */
    public static List<AclBinding> triggerBindings(String system, List<String> tenants, String topicPrefix) {
        List<AclBinding> out = new ArrayList<>();
        for (String tenant : tenants) {
            dev.cdiff.platform.ids.Ids.tenantId("bound tenant", tenant);
            String topic = topicPrefix + triggerTopic(tenant);
            out.add(allow(triggerPrincipal(system), ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
        }
        return out;
    }

    /**
     * The bindings as {@code deploy/kafka-acls.txt} lists them for docker-compose: one line each,
     * {@code <principal> <resource-type> <pattern-type> <name> <operation>}, lower case.
     */
    public static List<String> asLines(List<AclBinding> bindings) {
        List<String> lines = new ArrayList<>();
        for (AclBinding b : bindings) {
            lines.add(String.join(" ", b.entry().principal().substring("User:".length()),
                    b.pattern().resourceType().name().toLowerCase(java.util.Locale.ROOT),
                    b.pattern().patternType().name().toLowerCase(java.util.Locale.ROOT), b.pattern().name(),
                    b.entry().operation().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return lines;
    }

    static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + principal, "*", op, AclPermissionType.ALLOW));
    }
}
