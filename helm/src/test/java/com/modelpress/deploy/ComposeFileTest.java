package com.modelpress.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml cannot drift from the code: every variable set on a ModelPress service binds to a real
 * property of that service, and ports, volumes, healthchecks and depends_on are consistent.
 */
class ComposeFileTest {

    private static final Pattern LOCALHOST_URL = Pattern.compile("http://localhost:(\\d+)/actuator/health/(readiness|liveness)");

    static ServiceProperties api;
    static ServiceProperties worker;
    static ComposeFile compose;

    @BeforeAll
    static void load() {
        api = ServiceProperties.api();
        worker = ServiceProperties.worker();
        compose = ComposeFile.load();
    }

    static ServiceProperties propertiesOf(String service) {
        return switch (service) {
            case "api", "migrate" -> api;
            case "worker", "worker-gpu" -> worker;
            default -> throw new IllegalArgumentException(service);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"api", "migrate", "worker", "worker-gpu"})
    void everyVariableBindsToAPropertyOfItsService(String service) {
        Map<String, String> environment = compose.environment(service);
        assertThat(environment).isNotEmpty();
        List<String> unbound = new ArrayList<>();
        for (String variable : environment.keySet()) {
            if (EnvironmentBinding.propertyFor(variable, propertiesOf(service)).isEmpty()) {
                unbound.add(variable);
            }
        }
        assertThat(unbound).as("variables of %s that bind to no property of %s", service, propertiesOf(service).service())
                .isEmpty();
    }

    @Test
    void theBinderFindsSpringsRelaxedNames() {
        assertThat(EnvironmentBinding.propertyFor("SPRING_RABBITMQ_VIRTUAL_HOST", worker)).hasValue("spring.rabbitmq.virtual-host");
        assertThat(EnvironmentBinding.propertyFor("SPRING_DATASOURCE_URL", api)).hasValue("spring.datasource.url");
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_WORKER_EXECUTION_PROVIDER", worker))
                .hasValue("modelpress.worker.execution-provider");
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_WORKER_JOBTIMEOUT", worker)).hasValue("modelpress.worker.job-timeout");
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_API_MIGRATE_ONLY", api)).hasValue("modelpress.api.migrate-only");
        assertThat(EnvironmentBinding.propertyFor("LOGGING_LEVEL_COM_MODELPRESS", api)).hasValue("logging.level.*");
        assertThat(api.declares("modelpress.api.max-upload-size")).isTrue();
        assertThat(worker.declares("modelpress.worker.execution-provider")).isTrue();
    }

    /** The check can fail: misspelt or foreign variables bind to nothing. */
    @Test
    void misspeltOrForeignVariablesBindToNothing() {
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_WORKER_EXECUTION_PROVIDR", worker)).isEmpty();
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_STORAGE_S3_BUCKT", worker)).isEmpty();
        assertThat(EnvironmentBinding.propertyFor("SPRING_RABBIT_HOST", api)).isEmpty();
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_API_MAX_UPLOAD_SIZE", worker)).as("an API property set on a worker").isEmpty();
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_WORKER_EXECUTION_PROVIDER", api)).as("a worker property set on the API").isEmpty();
        assertThat(EnvironmentBinding.propertyFor("MODELPRESS_API_AUTH_ADMIN_KEY", worker)).as("the API's admin key on a worker").isEmpty();

        ComposeFile misspelt = ComposeFile.parse("""
                services:
                  worker:
                    image: modelpress/worker
                    environment:
                      SPRING_RABBITMQ_HOST: rabbitmq
                      MODELPRESS_WORKER_EXECUTON_PROVIDER: cuda
                """);
        assertThat(misspelt.environment("worker").keySet())
                .filteredOn(variable -> EnvironmentBinding.propertyFor(variable, worker).isEmpty())
                .containsExactly("MODELPRESS_WORKER_EXECUTON_PROVIDER");
    }

    @Test
    void everyDependencyExistsAndEveryHealthyConditionHasAHealthcheck() {
        Map<String, Object> services = compose.services();
        for (String service : services.keySet()) {
            compose.dependsOn(service).forEach((target, condition) -> {
                assertThat(services).as("%s depends on %s", service, target).containsKey(target);
                assertThat(condition).isIn("service_started", "service_healthy", "service_completed_successfully");
                if (condition.equals("service_healthy")) {
                    Object healthcheck = compose.service(target).get("healthcheck");
                    assertThat(healthcheck).as("%s waits for %s to be healthy", service, target).isInstanceOf(Map.class);
                    assertThat(((Map<?, ?>) healthcheck).get("disable")).isNotEqualTo(true);
                    assertThat(((Map<?, ?>) healthcheck).get("test")).isNotNull();
                }
                if (condition.equals("service_completed_successfully")) {
                    assertThat(compose.service(target).get("restart")).as("one-shot %s must not restart", target)
                            .isIn(null, "no");
                }
                assertThat(profiles(target)).as("%s depends on %s, which only runs in a profile", service, target)
                        .isSubsetOf(profiles(service));
            });
        }
    }

    @Test
    void everyNamedVolumeIsDeclared() {
        Set<String> used = new HashSet<>();
        for (String service : compose.services().keySet()) {
            for (Object volume : ComposeFile.list(compose.service(service), "volumes")) {
                String source = volume instanceof Map<?, ?> long_ ? String.valueOf(long_.get("source"))
                        : String.valueOf(volume).split(":")[0];
                if (!source.startsWith(".") && !source.startsWith("/") && !source.startsWith("~")) {
                    used.add(source);
                }
            }
        }
        assertThat(compose.volumes().keySet()).containsAll(used);
        assertThat(used).as("every declared volume is used").containsAll(compose.volumes().keySet());
        assertThat(used).contains("postgres-data", "rabbitmq-data", "minio-data");
    }

    @Test
    void publishedHostPortsAreUniqueAndTheApiAndUisArePublished() {
        Map<String, String> owner = new java.util.HashMap<>();
        for (String service : compose.services().keySet()) {
            for (Object port : ComposeFile.list(compose.service(service), "ports")) {
                String[] parts = String.valueOf(port).split(":");
                assertThat(parts).as("%s publishes %s as HOST:CONTAINER", service, port).hasSize(2);
                String previous = owner.put(parts[0], service);
                assertThat(previous).as("host port %s published twice", parts[0]).isNull();
            }
        }
        assertThat(owner).containsEntry("8080", "api").containsEntry("15672", "rabbitmq").containsEntry("9001", "minio");
        assertThat(ComposeFile.list(compose.service("api"), "ports")).containsExactly("8080:8080");
        assertThat(compose.environment("api")).containsEntry("SERVER_PORT", "8080");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api", "worker", "worker-gpu"})
    void healthchecksProbeTheActuatorOnThePortTheServiceListensOn(String service) {
        Object test = ((Map<?, ?>) compose.service(service).get("healthcheck")).get("test");
        Matcher url = LOCALHOST_URL.matcher(String.valueOf(test));
        assertThat(url.find()).as("%s healthcheck %s", service, test).isTrue();
        assertThat(url.group(1)).isEqualTo(compose.environment(service).get("SERVER_PORT"));
        assertThat(url.group(1)).isEqualTo(service.equals("api") ? "8080" : "8081");
    }

    @Test
    void migrationsRunOnceBeforeTheApiWhichRunsWithFlywayOff() {
        assertThat(compose.environment("migrate")).containsEntry("MODELPRESS_API_MIGRATE_ONLY", "true");
        assertThat(compose.service("migrate").get("image")).isEqualTo(compose.service("api").get("image"));
        assertThat(compose.dependsOn("migrate")).containsEntry("postgres", "service_healthy");
        assertThat(compose.dependsOn("api")).containsEntry("migrate", "service_completed_successfully");
        assertThat(compose.environment("api")).containsEntry("SPRING_FLYWAY_ENABLED", "false");
        assertThat(compose.environment("api").get("SPRING_DATASOURCE_URL"))
                .isEqualTo(compose.environment("migrate").get("SPRING_DATASOURCE_URL"));
    }

    @Test
    void theGpuWorkerRunsOnlyInTheGpuProfileWithAnNvidiaDeviceReservation() {
        Map<String, Object> gpu = compose.service("worker-gpu");
        assertThat(profiles("worker-gpu")).containsExactly("gpu");
        assertThat(profiles("worker")).isEmpty();
        Map<String, Object> reservations = ComposeFile.map(ComposeFile.map(ComposeFile.map(gpu, "deploy"), "resources"), "reservations");
        assertThat(ComposeFile.list(reservations, "devices")).singleElement().satisfies(device -> {
            Map<?, ?> d = (Map<?, ?>) device;
            assertThat(d.get("driver")).isEqualTo("nvidia");
            assertThat(String.valueOf(d.get("capabilities"))).isEqualTo("[gpu]");
            assertThat(d.get("count")).isEqualTo(1);
        });
        assertThat(compose.environment("worker-gpu")).containsEntry("MODELPRESS_WORKER_EXECUTION_PROVIDER", "cuda");
        assertThat(compose.environment("worker")).containsEntry("MODELPRESS_WORKER_EXECUTION_PROVIDER", "cpu");
        assertThat(String.valueOf(gpu.get("image"))).contains("/worker-gpu:");
    }

    @Test
    void apiAndWorkersShareTheMinioBucketThatTheInitServiceCreates() {
        Map<String, String> api = compose.environment("api");
        assertThat(api).containsEntry("MODELPRESS_STORAGE_TYPE", "s3").containsEntry("MODELPRESS_STORAGE_S3_PATH_STYLE_ACCESS", "true");
        assertThat(api.get("MODELPRESS_STORAGE_S3_ENDPOINT")).isEqualTo("http://minio:9000");
        for (String service : List.of("worker", "worker-gpu")) {
            Map<String, String> env = compose.environment(service);
            for (String key : List.of("MODELPRESS_STORAGE_TYPE", "MODELPRESS_STORAGE_S3_BUCKET", "MODELPRESS_STORAGE_S3_ENDPOINT",
                    "MODELPRESS_STORAGE_S3_ACCESS_KEY_ID", "MODELPRESS_STORAGE_S3_SECRET_ACCESS_KEY")) {
                assertThat(env.get(key)).as("%s %s", service, key).isEqualTo(api.get(key));
            }
            assertThat(compose.dependsOn(service)).containsEntry("minio-init", "service_completed_successfully");
        }
        assertThat(String.valueOf(compose.service("minio-init").get("command")))
                .contains("mc mb --ignore-existing local/" + api.get("MODELPRESS_STORAGE_S3_BUCKET"));
        assertThat(compose.dependsOn("minio-init")).containsEntry("minio", "service_healthy");
    }

    @Test
    void tracingIsOffUnlessTurnedOnAndBothServicesExportToTheSameCollector() {
        for (String service : List.of("api", "worker", "worker-gpu")) {
            Map<String, String> env = compose.environment(service);
            assertThat(env).as(service).containsEntry("MODELPRESS_TRACING_ENABLED", "${MODELPRESS_TRACING_ENABLED:-false}");
            assertThat(env.get("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT")).as(service)
                    .isEqualTo("${OTLP_TRACES_ENDPOINT:-http://jaeger:4318/v1/traces}");
        }
        assertThat(profiles("jaeger")).containsExactly("tracing");
        assertThat(ComposeFile.list(compose.service("jaeger"), "ports")).containsExactly("16686:16686");
    }

    private static List<String> profiles(String service) {
        return ComposeFile.list(compose.service(service), "profiles").stream().map(String::valueOf).toList();
    }
}
