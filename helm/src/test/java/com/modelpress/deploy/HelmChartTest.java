package com.modelpress.deploy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chart linted (strict) and rendered with every values file in {@code ci/}, checked as typed objects. */
class HelmChartTest {

    private static final Path MINIMAL = Chart.CI.resolve("minimal-values.yaml");
    private static final Path GPU_KEDA = Chart.CI.resolve("gpu-keda-values.yaml");
    private static final Path EXISTING_SECRETS = Chart.CI.resolve("existing-secrets-ingress-values.yaml");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    @TempDir
    Path scratch;

    static List<Path> ciValues() {
        return Chart.ciValuesFiles();
    }

    @Test
    void ciHoldsTheExpectedValuesFiles() {
        assertThat(ciValues()).contains(MINIMAL, GPU_KEDA, EXISTING_SECRETS);
    }

    @Test
    void lintsStrictAsShipped() {
        LintResult lint = Chart.lintStrictAsShipped();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void lintsStrictWithEveryCiValuesFile(Path values) {
        LintResult lint = Chart.lintStrict(values, scratch);
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void theSchemaRejectsAnUnknownExecutionProvider() throws IOException {
        Path bad = Files.writeString(scratch.resolve("bad.yaml"), Files.readString(MINIMAL)
                + "worker:\n  executionProvider: tpu\n");
        assertThat(Chart.lintStrict(bad, Files.createDirectories(scratch.resolve("lint"))).getMessages())
                .anyMatch(m -> m.contains("executionProvider") && m.contains("[ERROR]"));
        assertThatThrownBy(() -> Chart.render(bad)).hasMessageContaining("executionProvider");
    }

    @Test
    void missingRequiredValuesFailWithAClearMessage() throws IOException {
        Path noDatabase = Files.writeString(scratch.resolve("no-db.yaml"),
                "rabbitmq:\n  host: mq\n  password: x\nstorage:\n  s3:\n    bucket: b\n");
        assertThatThrownBy(() -> Chart.render(noDatabase))
                .hasMessageContaining("postgresql.url is required: the JDBC URL of the external PostgreSQL");

        Path kedaWithoutUri = Files.writeString(scratch.resolve("keda.yaml"), Files.readString(EXISTING_SECRETS)
                .replace("  existingSecret: modelpress-keda\n", "  existingSecret: \"\"\n"));
        assertThatThrownBy(() -> Chart.render(kedaWithoutUri)).hasMessageContaining("keda.existingSecret");
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void everyPodRunsAsNonRootOnAReadOnlyRootWithTmpFromAnEmptyDir(Path values) {
        List<PodSpec> pods = podSpecs(Chart.render(values));
        assertThat(pods).hasSizeGreaterThanOrEqualTo(3);
        for (PodSpec pod : pods) {
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            for (Container container : pod.getContainers()) {
                assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
                assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
                assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
                assertThat(container.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp") && m.getName().equals("tmp"));
            }
            Volume tmp = pod.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow();
            assertThat(tmp.getEmptyDir()).isNotNull();
            assertThat(tmp.getEmptyDir().getSizeLimit()).isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void probesUseTheActuatorHealthGroupsOnEachServicesPort(Path values) {
        List<HasMetadata> objects = Chart.render(values);
        Container api = container(deployment(objects, "mp-modelpress-api"));
        assertThat(api.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(8080);
        });
        assertProbes(api, "http");

        for (Deployment worker : workers(objects)) {
            Container container = container(worker);
            assertThat(container.getPorts()).singleElement().satisfies(p -> {
                assertThat(p.getName()).isEqualTo("actuator");
                assertThat(p.getContainerPort()).isEqualTo(8081);
            });
            assertThat(env(container)).containsEntry("SERVER_PORT", "8081");
            assertProbes(container, "actuator");
        }
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void noSecretValueIsWrittenIntoAnyPodSpec(Path values) throws IOException {
        List<HasMetadata> objects = Chart.render(values);
        // empty for a values file whose credentials all live in existing Secrets: then only the references are checked
        Set<String> secretValues = secretValues(values);

        for (HasMetadata object : objects) {
            if (object instanceof Secret) {
                continue;
            }
            String rendered = JSON.asJson(object);
            for (String secret : secretValues) {
                assertThat(rendered).as("%s %s", object.getKind(), object.getMetadata().getName()).doesNotContain(secret);
            }
        }
        for (PodSpec pod : podSpecs(objects)) {
            for (Container container : pod.getContainers()) {
                for (EnvVar variable : container.getEnv()) {
                    if (variable.getName().matches(".*(PASSWORD|SECRET|KEY_ID|ADMIN_KEY).*")) {
                        assertThat(variable.getValue()).as(variable.getName()).isNull();
                        assertThat(variable.getValueFrom().getSecretKeyRef()).as(variable.getName()).isNotNull();
                    }
                }
            }
        }
    }

    @Test
    void inlineCredentialsGoToTheChartsSecretUnderTheKeysTheDeploymentsReference() {
        List<HasMetadata> objects = Chart.render(GPU_KEDA);
        Secret secret = only(objects, Secret.class);
        assertThat(secret.getMetadata().getName()).isEqualTo("mp-modelpress-secrets");
        Map<String, String> data = decode(secret);
        assertThat(data).containsEntry("postgres-password", "gpu-db-password")
                .containsEntry("rabbitmq-password", "gpu-mq-password")
                .containsEntry("s3-access-key-id", "gpu-access-key-id")
                .containsEntry("s3-secret-access-key", "gpu-secret-access-key")
                .containsEntry("rabbitmq-uri", "http://modelpress:gpu-mq-password@rabbitmq.mq.svc:15672/%2F");

        Container api = container(deployment(objects, "mp-modelpress-api"));
        assertThat(secretRef(api, "SPRING_DATASOURCE_PASSWORD")).isEqualTo("mp-modelpress-secrets/postgres-password");
        assertThat(secretRef(api, "SPRING_RABBITMQ_PASSWORD")).isEqualTo("mp-modelpress-secrets/rabbitmq-password");
        assertThat(secretRef(api, "MODELPRESS_STORAGE_S3_SECRET_ACCESS_KEY")).isEqualTo("mp-modelpress-secrets/s3-secret-access-key");
        for (Deployment worker : workers(objects)) {
            assertThat(secretRef(container(worker), "MODELPRESS_STORAGE_S3_ACCESS_KEY_ID")).isEqualTo("mp-modelpress-secrets/s3-access-key-id");
            assertThat(env(container(worker))).doesNotContainKey("SPRING_DATASOURCE_PASSWORD");
        }
        assertThat(secret.getMetadata().getAnnotations()).containsEntry("helm.sh/hook", "pre-install,pre-upgrade")
                .containsEntry("helm.sh/hook-weight", "-10");
    }

    @Test
    void existingSecretsAreReferencedAndTheChartCreatesNone() {
        List<HasMetadata> objects = Chart.render(EXISTING_SECRETS);
        assertThat(objects).noneMatch(o -> o instanceof Secret);

        Container api = container(deployment(objects, "mp-modelpress-api"));
        assertThat(secretRef(api, "SPRING_DATASOURCE_PASSWORD")).isEqualTo("modelpress-db/password");
        assertThat(secretRef(api, "SPRING_RABBITMQ_PASSWORD")).isEqualTo("modelpress-mq/password");
        assertThat(secretRef(api, "MODELPRESS_STORAGE_S3_ACCESS_KEY_ID")).isEqualTo("modelpress-s3/AWS_ACCESS_KEY_ID");
        assertThat(secretRef(api, "MODELPRESS_STORAGE_S3_SECRET_ACCESS_KEY")).isEqualTo("modelpress-s3/AWS_SECRET_ACCESS_KEY");
        assertThat(secretRef(api, "MODELPRESS_API_AUTH_ADMIN_KEY")).isEqualTo("modelpress-auth/admin-key");
        assertThat(secretRef(container(only(objects, Job.class).getSpec().getTemplate().getSpec()), "SPRING_DATASOURCE_PASSWORD"))
                .isEqualTo("modelpress-db/password");

        GenericKubernetesResource auth = generic(objects, "TriggerAuthentication");
        assertThat((Object) auth.get("spec", "secretTargetRef")).isEqualTo(List.of(
                Map.of("parameter", "host", "name", "modelpress-keda", "key", "uri")));
    }

    @Test
    void minimalValuesUseTheAwsDefaultCredentialsChainAndNoScaler() {
        List<HasMetadata> objects = Chart.render(MINIMAL);
        Container api = container(deployment(objects, "mp-modelpress-api"));
        assertThat(env(api)).doesNotContainKeys("MODELPRESS_STORAGE_S3_ACCESS_KEY_ID", "MODELPRESS_STORAGE_S3_SECRET_ACCESS_KEY",
                "MODELPRESS_API_AUTH_ADMIN_KEY");
        assertThat(decode(only(objects, Secret.class))).containsOnlyKeys("postgres-password", "rabbitmq-password");
        assertThat(objects).noneMatch(o -> o.getKind().equals("ScaledObject") || o.getKind().equals("TriggerAuthentication"));
        assertThat(objects).noneMatch(o -> o instanceof Ingress);
        assertThat(workers(objects)).singleElement().satisfies(w -> {
            assertThat(w.getSpec().getReplicas()).isEqualTo(1);
            assertThat(env(container(w))).containsEntry("MODELPRESS_WORKER_EXECUTION_PROVIDER", "cpu");
            assertThat(container(w).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        });
        Map<String, String> config = configMap(objects, "mp-modelpress-api");
        assertThat(config).containsEntry("SPRING_FLYWAY_ENABLED", "false")
                .containsEntry("MODELPRESS_STORAGE_TYPE", "s3")
                .containsEntry("MODELPRESS_STORAGE_S3_BUCKET", "modelpress-artifacts")
                .containsEntry("SPRING_DATASOURCE_URL", "jdbc:postgresql://postgres.db.svc:5432/modelpress")
                .doesNotContainKey("MODELPRESS_STORAGE_S3_ENDPOINT");
    }

    @Test
    void gpuWorkersRequestGpusLandOnGpuNodesAndRunTheGpuImage() {
        List<HasMetadata> objects = Chart.render(GPU_KEDA);
        Deployment gpu = deployment(objects, "mp-modelpress-worker-gpu");
        PodSpec pod = gpu.getSpec().getTemplate().getSpec();
        Container container = container(gpu);

        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
        assertThat(container.getImage()).isEqualTo("registry.example.com/ml/modelpress/worker-gpu:0.1.0-SNAPSHOT");
        assertThat(env(container)).containsEntry("MODELPRESS_WORKER_EXECUTION_PROVIDER", "cuda");
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getTolerations()).extracting(Toleration::getKey, Toleration::getOperator, Toleration::getEffect)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("nvidia.com/gpu", "Exists", "NoSchedule"));
        assertThat(pod.getRuntimeClassName()).isEqualTo("nvidia");
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(1800L);

        Deployment cpu = deployment(objects, "mp-modelpress-worker");
        assertThat(container(cpu).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(container(cpu).getImage()).isEqualTo("registry.example.com/ml/modelpress/worker:0.1.0-SNAPSHOT");
        assertThat(cpu.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(900L);
        assertThat(cpu.getSpec().getTemplate().getSpec().getNodeSelector()).isNullOrEmpty();
        assertThat(cpu.getSpec().getTemplate().getSpec().getTolerations()).isNullOrEmpty();
    }

    @Test
    void kedaScalesBothWorkersOnTheJobQueueThroughTheTriggerAuthentication() {
        List<HasMetadata> objects = Chart.render(GPU_KEDA);
        List<GenericKubernetesResource> scaled = objects.stream().filter(o -> o.getKind().equals("ScaledObject"))
                .map(GenericKubernetesResource.class::cast).toList();
        assertThat(scaled).extracting(o -> o.getMetadata().getName())
                .containsExactlyInAnyOrder("mp-modelpress-worker", "mp-modelpress-worker-gpu");

        GenericKubernetesResource auth = generic(objects, "TriggerAuthentication");
        assertThat(auth.getApiVersion()).isEqualTo("keda.sh/v1alpha1");
        assertThat((Object) auth.get("spec", "secretTargetRef")).isEqualTo(List.of(
                Map.of("parameter", "host", "name", "mp-modelpress-secrets", "key", "rabbitmq-uri")));

        for (GenericKubernetesResource object : scaled) {
            String target = object.get("spec", "scaleTargetRef", "name");
            assertThat(target).isEqualTo(object.getMetadata().getName());
            assertThat(deployment(objects, target).getSpec().getReplicas()).as("KEDA owns the replica count").isNull();
            List<Map<String, Object>> triggers = object.get("spec", "triggers");
            assertThat(triggers).singleElement().satisfies(trigger -> {
                assertThat(trigger).containsEntry("type", "rabbitmq");
                assertThat(trigger.get("metadata")).isEqualTo(Map.of("protocol", "http", "queueName", "modelpress.jobs",
                        "mode", "QueueLength", "value", "1", "vhostName", "/"));
                assertThat(trigger.get("authenticationRef")).isEqualTo(Map.of("name", auth.getMetadata().getName()));
            });
        }
        assertThat((Object) generic(objects, "ScaledObject", "mp-modelpress-worker-gpu").get("spec", "maxReplicaCount")).isEqualTo(3);
        assertThat((Object) generic(objects, "ScaledObject", "mp-modelpress-worker").get("spec", "minReplicaCount")).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void theMigrationJobIsAPreInstallAndPreUpgradeHookRunningMigrateOnly(Path values) {
        List<HasMetadata> objects = Chart.render(values);
        Job job = only(objects, Job.class);
        assertThat(job.getMetadata().getAnnotations())
                .containsEntry("helm.sh/hook", "pre-install,pre-upgrade")
                .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded");
        int jobWeight = Integer.parseInt(job.getMetadata().getAnnotations().get("helm.sh/hook-weight"));
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        Container migrate = container(pod);
        assertThat(migrate.getImage()).isEqualTo(container(deployment(objects, "mp-modelpress-api")).getImage());
        assertThat(env(migrate)).containsEntry("MODELPRESS_API_MIGRATE_ONLY", "true");
        assertThat(migrate.getEnvFrom()).singleElement().satisfies(from ->
                assertThat(from.getConfigMapRef().getName()).isEqualTo("mp-modelpress-api"));

        // what the hook reads exists before it: the ConfigMap and (if any) the chart's Secret are earlier hooks
        HasMetadata config = objects.stream().filter(o -> o.getMetadata().getName().equals("mp-modelpress-api")
                && o.getKind().equals("ConfigMap")).findFirst().orElseThrow();
        assertThat(config.getMetadata().getAnnotations()).containsEntry("helm.sh/hook", "pre-install,pre-upgrade");
        assertThat(Integer.parseInt(config.getMetadata().getAnnotations().get("helm.sh/hook-weight"))).isLessThan(jobWeight);
        objects.stream().filter(o -> o instanceof Secret).forEach(secret ->
                assertThat(Integer.parseInt(secret.getMetadata().getAnnotations().get("helm.sh/hook-weight"))).isLessThan(jobWeight));
    }

    @Test
    void tracingIsOffByDefaultAndOneValueTurnsItOnInBothServices() {
        List<HasMetadata> off = Chart.render(MINIMAL);
        List<HasMetadata> on = Chart.render(GPU_KEDA);
        for (String name : List.of("mp-modelpress-api", "mp-modelpress-worker")) {
            assertThat(configMap(off, name)).as(name).containsEntry("MODELPRESS_TRACING_ENABLED", "false")
                    .doesNotContainKey("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT");
            assertThat(configMap(on, name)).as(name).containsEntry("MODELPRESS_TRACING_ENABLED", "true")
                    .containsEntry("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT",
                            "http://otel-collector.observability.svc:4318/v1/traces")
                    .containsEntry("MANAGEMENT_TRACING_SAMPLING_PROBABILITY", "0.25");
        }
        assertThat(configMap(off, "mp-modelpress-api")).containsEntry("MODELPRESS_WEBHOOKS_ALLOW_PLAIN_HTTP", "false")
                .doesNotContainKey("MODELPRESS_WEBHOOKS_ALLOWED_NETWORKS");
        assertThat(configMap(on, "mp-modelpress-api"))
                .containsEntry("MODELPRESS_WEBHOOKS_ALLOWED_NETWORKS", "10.20.0.0/16,fd00:20::/32");
        assertThat(configMap(on, "mp-modelpress-worker")).doesNotContainKey("MODELPRESS_WEBHOOKS_ALLOWED_NETWORKS");
    }

    @Test
    void theApiHasAPodDisruptionBudgetAndAnOptionalIngress() {
        PodDisruptionBudget minimal = only(Chart.render(MINIMAL), PodDisruptionBudget.class);
        assertThat(minimal.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(minimal.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "api");

        List<HasMetadata> objects = Chart.render(EXISTING_SECRETS);
        PodDisruptionBudget pdb = only(objects, PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
        assertThat(pdb.getSpec().getMaxUnavailable()).isNull();
        Deployment api = deployment(objects, "mp-modelpress-api");
        assertThat(api.getSpec().getReplicas()).isEqualTo(3);
        assertThat(api.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());

        Ingress ingress = only(objects, Ingress.class);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> assertThat(tls.getSecretName()).isEqualTo("modelpress-tls"));
        assertThat(ingress.getSpec().getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getHost()).isEqualTo("modelpress.example.com");
            assertThat(rule.getHttp().getPaths()).singleElement().satisfies(path -> {
                assertThat(path.getBackend().getService().getName()).isEqualTo("mp-modelpress-api");
                assertThat(path.getBackend().getService().getPort().getName()).isEqualTo("http");
            });
        });
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void servicesSelectTheirPodsAndWorkersHaveLongGracePeriods(Path values) {
        List<HasMetadata> objects = Chart.render(values);
        io.fabric8.kubernetes.api.model.Service service = only(objects, io.fabric8.kubernetes.api.model.Service.class);
        Deployment api = deployment(objects, "mp-modelpress-api");
        assertThat(api.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p ->
                assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
        for (Deployment worker : workers(objects)) {
            assertThat(worker.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(600L);
            assertThat(service.getSpec().getSelector()).isNotEqualTo(worker.getSpec().getSelector().getMatchLabels());
        }
        assertThat(api.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(60L);
    }

    @ParameterizedTest
    @MethodSource("ciValues")
    void everyVariableTheChartSetsBindsToAPropertyOfItsService(Path values) {
        ServiceProperties api = ServiceProperties.api();
        ServiceProperties worker = ServiceProperties.worker();
        List<HasMetadata> objects = Chart.render(values);
        Map<String, ServiceProperties> byConfigMap = Map.of("mp-modelpress-api", api, "mp-modelpress-worker", worker);
        byConfigMap.forEach((name, service) -> assertBinds(configMap(objects, name).keySet(), service, name));
        assertBinds(names(container(deployment(objects, "mp-modelpress-api"))), api, "api Deployment");
        assertBinds(names(container(only(objects, Job.class).getSpec().getTemplate().getSpec())), api, "migration Job");
        for (Deployment deployment : workers(objects)) {
            assertBinds(names(container(deployment)), worker, deployment.getMetadata().getName());
        }
    }

    private static void assertBinds(java.util.Collection<String> variables, ServiceProperties service, String where) {
        assertThat(variables).as(where).isNotEmpty();
        assertThat(variables).as("variables of %s that bind to no property of %s", where, service.service())
                .filteredOn(variable -> EnvironmentBinding.propertyFor(variable, service).isEmpty()).isEmpty();
    }

    private static List<String> names(Container container) {
        return container.getEnv().stream().map(EnvVar::getName).toList();
    }

    private static void assertProbes(Container container, String port) {
        assertProbe(container.getLivenessProbe(), "/actuator/health/liveness", port);
        assertProbe(container.getReadinessProbe(), "/actuator/health/readiness", port);
        assertProbe(container.getStartupProbe(), "/actuator/health/liveness", port);
    }

    private static void assertProbe(Probe probe, String path, String port) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(port);
    }

    /** Every secret-looking value in a values file: passwords, keys. */
    private static Set<String> secretValues(Path values) {
        Set<String> found = new java.util.HashSet<>();
        collectSecrets(Chart.load(values), "", found);
        return found;
    }

    private static void collectSecrets(Map<?, ?> map, String path, Set<String> found) {
        map.forEach((key, value) -> {
            String name = String.valueOf(key);
            if (value instanceof Map<?, ?> nested) {
                collectSecrets(nested, path + name + ".", found);
            } else if (value instanceof String text && !text.isEmpty()
                    && name.matches("password|accessKeyId|secretAccessKey|adminKey")) {
                found.add(text);
            }
        });
    }

    private static List<PodSpec> podSpecs(List<HasMetadata> objects) {
        List<PodSpec> pods = new java.util.ArrayList<>();
        for (HasMetadata object : objects) {
            if (object instanceof Deployment deployment) {
                pods.add(deployment.getSpec().getTemplate().getSpec());
            } else if (object instanceof Job job) {
                pods.add(job.getSpec().getTemplate().getSpec());
            }
        }
        return pods;
    }

    private static List<Deployment> workers(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof Deployment).map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().contains("worker")).toList();
    }

    private static Deployment deployment(List<HasMetadata> objects, String name) {
        return objects.stream().filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name))
                .map(Deployment.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + name));
    }

    private static Container container(Deployment deployment) {
        return container(deployment.getSpec().getTemplate().getSpec());
    }

    private static Container container(PodSpec pod) {
        assertThat(pod.getContainers()).hasSize(1);
        return pod.getContainers().getFirst();
    }

    private static Map<String, String> env(Container container) {
        return container.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static String secretRef(Container container, String name) {
        EnvVar variable = container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + container.getName()));
        assertThat(variable.getValue()).isNull();
        return variable.getValueFrom().getSecretKeyRef().getName() + "/" + variable.getValueFrom().getSecretKeyRef().getKey();
    }

    private static Map<String, String> configMap(List<HasMetadata> objects, String name) {
        return objects.stream().filter(o -> o instanceof io.fabric8.kubernetes.api.model.ConfigMap && o.getMetadata().getName().equals(name))
                .map(io.fabric8.kubernetes.api.model.ConfigMap.class::cast).findFirst().orElseThrow().getData();
    }

    private static Map<String, String> decode(Secret secret) {
        return secret.getData().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> new String(Base64.getDecoder().decode(e.getValue()), StandardCharsets.UTF_8)));
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> matching = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).as(type.getSimpleName()).hasSize(1);
        return matching.getFirst();
    }

    private static GenericKubernetesResource generic(List<HasMetadata> objects, String kind) {
        List<GenericKubernetesResource> matching = objects.stream().filter(o -> o.getKind().equals(kind))
                .map(GenericKubernetesResource.class::cast).toList();
        assertThat(matching).as(kind).hasSize(1);
        return matching.getFirst();
    }

    private static GenericKubernetesResource generic(List<HasMetadata> objects, String kind, String name) {
        return objects.stream().filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
    }
}
