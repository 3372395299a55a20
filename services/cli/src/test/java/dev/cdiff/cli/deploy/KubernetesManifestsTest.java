package dev.cdiff.cli.deploy;

import dev.cdiff.cli.stack.PipelineService;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.health.HealthServer;
import dev.cdiff.platform.kafka.TopicDefinition;
import dev.cdiff.platform.kafka.TopicDefinitions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/k8s rendered (base, and the gpu overlay) and every object parsed into fabric8's Kubernetes model: each
 * service is deployed with probes on the endpoints its health server serves, every setting compose gives it, secrets
 * only by reference, KEDA scaling on its own group and topic, and Strimzi topics and users equal to the deploy files.
 */
class KubernetesManifestsTest {
    static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|SECRET_KEY|TOKEN|ACCESS_KEY)");

    static List<Map<String, Object>> base;
    static List<Map<String, Object>> gpu;

    @BeforeAll
    static void render() throws Exception {
        base = KustomizeRender.render(ROOT.resolve("deploy/k8s/base"));
        gpu = KustomizeRender.render(ROOT.resolve("deploy/k8s/overlays/gpu"));
    }

    static <T extends HasMetadata> T parse(Map<String, Object> object, Class<T> type) {
        return YamlDocuments.YAML.convertValue(object, type);
    }

    static Deployment deployment(List<Map<String, Object>> objects, String name) {
        return objects.stream().filter(o -> "Deployment".equals(o.get("kind"))
                        && name.equals(YamlDocuments.map(o, "metadata").get("name")))
                .map(o -> parse(o, Deployment.class)).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + name));
    }

    static List<GenericKubernetesResource> custom(List<Map<String, Object>> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind")))
                .map(o -> parse(o, GenericKubernetesResource.class)).toList();
    }

    static Map<String, String> configMap() {
        return base.stream().filter(o -> "ConfigMap".equals(o.get("kind"))).map(o -> parse(o, ConfigMap.class))
                .findFirst().orElseThrow().getData();
    }

    /** What the container's environment holds: its ConfigMap entries, then its own env (names to values, or null for a reference). */
    static Map<String, EnvVar> environment(Container c) {
        Map<String, EnvVar> env = new HashMap<>();
        c.getEnvFrom().forEach(from -> {
            assertEquals("cdiff-config", from.getConfigMapRef().getName());
            configMap().forEach((k, v) -> env.put(k, new EnvVar(k, v, null)));
        });
        c.getEnv().forEach(e -> env.put(e.getName(), e));
        return env;
    }

    @Test
    void everyObjectIsAKnownKindWithNoFieldTheModelDoesNotKnow() {
        Set<String> kinds = new TreeSet<>();
        for (Map<String, Object> o : gpu) {
            kinds.add((String) o.get("kind"));
            HasMetadata parsed = switch ((String) o.get("kind")) {
                case "Deployment" -> {
                    Deployment d = parse(o, Deployment.class);
                    PodSpec pod = d.getSpec().getTemplate().getSpec();
                    assertTrue(d.getAdditionalProperties().isEmpty() && d.getSpec().getAdditionalProperties().isEmpty()
                            && pod.getAdditionalProperties().isEmpty(), "unknown fields in " + KustomizeRender.id(o));
                    for (Container c : pod.getContainers()) {
                        assertTrue(c.getAdditionalProperties().isEmpty(), c.getName() + ": " + c.getAdditionalProperties());
                        assertTrue(c.getLivenessProbe().getAdditionalProperties().isEmpty());
                        assertTrue(c.getResources().getAdditionalProperties().isEmpty());
                    }
                    yield d;
                }
                case "Service" -> parse(o, Service.class);
                case "ConfigMap" -> parse(o, ConfigMap.class);
                case "PersistentVolumeClaim" -> parse(o, PersistentVolumeClaim.class);
                case "KafkaTopic", "KafkaUser", "ScaledObject", "TriggerAuthentication" ->
                        parse(o, GenericKubernetesResource.class);
                default -> throw new AssertionError("unexpected kind in the manifests: " + KustomizeRender.id(o));
            };
            assertNotNull(parsed.getMetadata().getName());
            assertEquals("cdiff", parsed.getMetadata().getNamespace());
        }
        assertEquals(Set.of("ConfigMap", "Deployment", "KafkaTopic", "KafkaUser", "PersistentVolumeClaim",
                "ScaledObject", "Service", "TriggerAuthentication"), kinds);
    }

    @Test
    void probesAndScrapeAnnotationsPointAtTheHealthServersPortAndPaths() throws Exception {
        for (String name : PipelineService.names()) {
            Deployment d = deployment(base, name);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            Map<String, EnvVar> env = environment(c);
            // the orchestrator answers health on its job-status port; every other service on its health server
            String portSetting = name.equals("orchestrator") ? "ORCHESTRATOR_HTTP_PORT" : ServiceConfig.HEALTH_HTTP_PORT;
            int served = Integer.parseInt(env.get(portSetting).getValue());
            assertEquals("/health/live", c.getLivenessProbe().getHttpGet().getPath(), name);
            assertEquals("/health/ready", c.getReadinessProbe().getHttpGet().getPath(), name);
            for (Probe probe : List.of(c.getLivenessProbe(), c.getReadinessProbe())) {
                assertEquals(served, portNumber(c, probe.getHttpGet().getPort().getStrVal()), name);
            }
            Map<String, String> annotations = d.getSpec().getTemplate().getMetadata().getAnnotations();
            assertEquals("true", annotations.get("prometheus.io/scrape"), name);
            assertEquals(Integer.toString(served), annotations.get("prometheus.io/port"), name);
            assertEquals("/metrics", annotations.get("prometheus.io/path"), name);
            if (!name.equals("orchestrator")) {
                assertEquals("0.0.0.0", env.get(ServiceConfig.HEALTH_HTTP_HOST).getValue(), "probes come from outside the pod");
            }
        }
        // and those paths are what the health server answers (a probe on a path it does not serve would get 404)
        try (HealthServer health = HealthServer.start("probe-check", "127.0.0.1", 0)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/health/live", "/health/ready", "/metrics", "/nothing-here")) {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + path))
                        .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (path.equals("/nothing-here")) {
                    assertEquals(404, status);
                } else {
                    assertNotEquals(404, status, path);
                }
            }
        }
    }

    private static int portNumber(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no port named " + name));
    }

    @Test
    void everySettingComposeGivesAServiceKubernetesGivesItToo() throws Exception {
        Map<String, Object> services = YamlDocuments.map(YamlDocuments.readOne(ROOT.resolve("docker-compose.yml")),
                "services");
        for (String name : PipelineService.names()) {
            Set<String> compose = YamlDocuments.map(services, name, "environment").keySet();
            assertFalse(compose.isEmpty(), name);
            Container c = deployment(base, name).getSpec().getTemplate().getSpec().getContainers().get(0);
            Set<String> missing = new TreeSet<>(compose);
            missing.removeAll(environment(c).keySet());
            assertEquals(Set.of(), missing, name + ": settings compose gives it and Kubernetes does not");
            assertEquals(name, environment(c).get(ServiceConfig.SERVICE_NAME).getValue());
        }
    }

    @Test
    void secretsAreReferencedNeverWritten() throws Exception {
        for (Map<String, Object> o : gpu) {
            assertNotEquals("Secret", o.get("kind"), "a Secret object would put its value in the repository");
        }
        for (String key : configMap().keySet()) {
            assertFalse(SECRET_NAME.matcher(key).matches() || ServiceConfig.SECRETS.contains(key)
                    && !key.equals(ServiceConfig.SCHEMA_REGISTRY_USERNAME), "secret in the ConfigMap: " + key);
        }
        int references = 0;
        for (String name : PipelineService.names()) {
            Container c = deployment(gpu, name).getSpec().getTemplate().getSpec().getContainers().get(0);
            for (EnvVar e : c.getEnv()) {
                boolean secret = SECRET_NAME.matcher(e.getName()).matches()
                        || ServiceConfig.SECRETS.contains(e.getName()) && !e.getName().endsWith("USERNAME");
                if (secret) {
                    assertNull(e.getValue(), name + ": " + e.getName() + " written as a literal");
                    assertNotNull(e.getValueFrom().getSecretKeyRef(), name + ": " + e.getName());
                    references++;
                }
            }
            Map<String, EnvVar> env = environment(c);
            for (String required : List.of(ServiceConfig.KAFKA_PASSWORD, ServiceConfig.S3_ACCESS_KEY,
                    ServiceConfig.S3_SECRET_KEY, ServiceConfig.SCHEMA_REGISTRY_PASSWORD)) {
                assertNotNull(env.get(required), name + " lacks " + required);
            }
            assertEquals("true", env.get("CDIFF_REQUIRE_SECRETS").getValue());
            // its Kafka password is the one Strimzi's User Operator wrote for the user of the same name
            assertEquals(env.get(ServiceConfig.KAFKA_USERNAME).getValue(),
                    env.get(ServiceConfig.KAFKA_PASSWORD).getValueFrom().getSecretKeyRef().getName());
        }
        assertTrue(references >= 4 * PipelineService.names().size());
        for (Path file : Files.walk(ROOT.resolve("deploy/k8s")).filter(Files::isRegularFile).toList()) {
            String text = Files.readString(file).toLowerCase(Locale.ROOT);
            assertFalse(text.contains("change-me") || text.contains("password:") && !file.toString().endsWith(".md"),
                    file + " holds a secret-looking value");
        }
    }

    @Test
    void strimziTopicsAreTheTopicDefinitions() throws Exception {
        List<TopicDefinition> defined;
        try (Reader r = Files.newBufferedReader(ROOT.resolve("deploy/topics.properties"), StandardCharsets.UTF_8)) {
            defined = TopicDefinitions.parse(r, "deploy/topics.properties");
        }
        Map<String, TopicDefinition> crs = new HashMap<>();
        for (GenericKubernetesResource t : custom(base, "KafkaTopic")) {
            Map<String, Object> spec = spec(t);
            Map<String, String> configs = new HashMap<>();
            YamlDocuments.map(spec, "config").forEach((k, v) -> configs.put(k, v.toString()));
            TopicDefinition d = new TopicDefinition((String) spec.get("topicName"),
                    ((Number) spec.get("partitions")).intValue(), configs);
            crs.put(d.name(), d);
            assertEquals("cdiff", t.getMetadata().getLabels().get("strimzi.io/cluster"));
        }
        assertEquals(defined.stream().collect(Collectors.toMap(TopicDefinition::name, d -> d)), crs);
    }

    @Test
    void strimziUsersGrantExactlyTheAclFile() throws Exception {
        Map<String, String> ops = Map.of("Read", "read", "Write", "write", "Describe", "describe", "DescribeConfigs",
                "describe_configs", "Create", "create", "Alter", "alter", "All", "all");
        Map<String, String> types = Map.of("topic", "topic", "group", "group", "transactionalId", "transactional_id");
        Set<String> granted = new LinkedHashSet<>();
        for (GenericKubernetesResource user : custom(base, "KafkaUser")) {
            Map<String, Object> spec = spec(user);
            assertEquals("scram-sha-512", YamlDocuments.map(spec, "authentication").get("type"));
            for (Object a : (List<?>) YamlDocuments.map(spec, "authorization").get("acls")) {
                Map<String, Object> acl = YamlDocuments.map(a);
                Map<String, Object> resource = YamlDocuments.map(acl, "resource");
                for (Object op : (List<?>) acl.get("operations")) {
                    granted.add(String.join(" ", user.getMetadata().getName(), types.get((String) resource.get("type")),
                            "prefix".equals(resource.get("patternType")) ? "prefixed" : "literal",
                            (String) resource.get("name"), ops.get((String) op)));
                }
            }
        }
        List<String> file = Files.readAllLines(ROOT.resolve("deploy/kafka-acls.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).map(String::strip).toList();
        assertEquals(new TreeSet<>(file), new TreeSet<>(granted));
    }

    @Test
    void workersScaleOnTheirOwnGroupAndInputTopicUpToItsPartitions() throws Exception {
        Map<String, Integer> partitions = new HashMap<>();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("deploy/topics.properties"), StandardCharsets.UTF_8)) {
            TopicDefinitions.parse(r, "topics").forEach(d -> partitions.put(d.name(), d.partitions()));
        }
        List<String> acls = Files.readAllLines(ROOT.resolve("deploy/kafka-acls.txt"));
        List<GenericKubernetesResource> scaled = custom(base, "ScaledObject");
        assertEquals(Set.of("ingestion", "retrieval", "training", "merging", "sampling"),
                scaled.stream().map(s -> s.getMetadata().getName()).collect(Collectors.toSet()));
        for (GenericKubernetesResource s : scaled) {
            Map<String, Object> spec = spec(s);
            String target = (String) YamlDocuments.map(spec, "scaleTargetRef").get("name");
            Map<String, EnvVar> env = environment(deployment(base, target).getSpec().getTemplate().getSpec()
                    .getContainers().get(0));
            Map<String, Object> trigger = YamlDocuments.map(((List<?>) spec.get("triggers")).get(0));
            assertEquals("kafka", trigger.get("type"));
            Map<String, Object> meta = YamlDocuments.map(trigger, "metadata");
            String service = env.get(ServiceConfig.SERVICE_NAME).getValue();
            assertEquals(service, meta.get("consumerGroup"), "the group the service joins is named after it");
            String topic = (String) meta.get("topic");
            assertTrue(acls.contains(service + " topic literal " + topic + " read"), service + " does not read " + topic);
            assertEquals(configMap().get(ServiceConfig.KAFKA_BOOTSTRAP_SERVERS), meta.get("bootstrapServers"));
            int max = ((Number) spec.get("maxReplicaCount")).intValue();
            assertTrue(max >= 1 && max <= partitions.get(topic), s.getMetadata().getName()
                    + ": more replicas than partitions of " + topic + " would stand idle");
            String auth = (String) YamlDocuments.map(trigger, "authenticationRef").get("name");
            GenericKubernetesResource ta = custom(base, "TriggerAuthentication").stream()
                    .filter(t -> t.getMetadata().getName().equals(auth)).findFirst().orElseThrow();
            List<?> refs = (List<?>) spec(ta).get("secretTargetRef");
            assertTrue(refs.stream().map(YamlDocuments::map).anyMatch(r -> "password".equals(r.get("parameter"))
                    && service.equals(r.get("name"))), auth + " reads the service's own Kafka password");
        }
    }

    @Test
    void theGpuOverlayPutsTrainingAndSamplingOnGpuNodesAndNothingElse() {
        for (String name : PipelineService.names()) {
            Deployment d = deployment(gpu, name);
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            Container c = pod.getContainers().get(0);
            Quantity gpus = c.getResources().getLimits().get("nvidia.com/gpu");
            boolean onGpu = name.equals("training") || name.equals("sampling");
            if (onGpu) {
                assertEquals("1", gpus == null ? null : gpus.getAmount(), name);
                assertEquals("true", pod.getNodeSelector().get("nvidia.com/gpu.present"), name);
                assertTrue(c.getImage().endsWith("-cuda"), c.getImage());
                assertEquals("gpu", environment(c).get("CDIFF_DEVICE").getValue());
                assertNotNull(c.getResources().getLimits().get("memory"), name);
                // the overlay adds to the base container, it does not replace it
                assertNotNull(environment(c).get(ServiceConfig.KAFKA_PASSWORD), name);
                assertEquals("/health/ready", c.getReadinessProbe().getHttpGet().getPath());
            } else {
                assertNull(gpus, name);
                assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty(), name);
                assertFalse(c.getImage().endsWith("-cuda"), c.getImage());
            }
            assertNotNull(c.getResources().getLimits().get("cpu"), name + " has CPU limits");
        }
        Deployment cpuTraining = deployment(base, "training");
        assertFalse(cpuTraining.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().endsWith("-cuda"));
    }

    private static Map<String, Object> spec(GenericKubernetesResource r) {
        return YamlDocuments.map(r.getAdditionalProperties(), "spec");
    }

    static List<String> names(List<Map<String, Object>> objects) {
        List<String> out = new ArrayList<>();
        objects.forEach(o -> out.add(KustomizeRender.id(o)));
        return out;
    }
}
