package com.modelpress.api.web;

import com.modelpress.api.support.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document is part of the product: every endpoint, with its problem+json errors. */
class OpenApiIntegrationTest extends ApiIntegrationTest {

    @Test
    void documentsEveryEndpointWithItsProblemResponses() {
        JsonNode paths = api.get("/v3/api-docs").json().get("paths");
        Map<String, Set<String>> expected = Map.of(
                "/api/v1/jobs", Set.of("get", "post"),
                "/api/v1/jobs/{id}", Set.of("get"),
                "/api/v1/jobs/{id}/cancel", Set.of("post"),
                "/api/v1/jobs/{id}/events", Set.of("get"),
                "/api/v1/jobs/{id}/report", Set.of("get"),
                "/api/v1/jobs/{id}/artifacts", Set.of("get"),
                "/api/v1/jobs/{id}/artifacts/{name}", Set.of("get"));
        assertThat(paths.propertyNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((path, methods) -> methods.forEach(method -> {
            JsonNode responses = paths.get(path).get(method).get("responses");
            assertThat(responses.get("500").get("content").get("application/problem+json")).as(method + " " + path).isNotNull();
            responses.propertyNames().stream().filter(status -> status.startsWith("4")).forEach(status ->
                    assertThat(responses.get(status).get("content").get("application/problem+json").get("schema")
                            .get("$ref").asString()).isEqualTo("#/components/schemas/Problem"));
        }));
        assertThat(paths.get("/api/v1/jobs").get("post").get("responses").propertyNames())
                .contains("202", "200", "400", "413", "415", "422");
        assertThat(paths.get("/api/v1/jobs/{id}/artifacts/{name}").get("get").get("responses").propertyNames())
                .contains("200", "206", "304", "404", "416");
        assertThat(api.get("/swagger-ui/index.html").status()).isEqualTo(200);
    }

    @Test
    void exposesProbesAndPrometheusMetrics() {
        assertThat(api.get("/actuator/health/liveness").json().get("status").asString()).isEqualTo("UP");
        assertThat(api.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");
        assertThat(api.get("/actuator/prometheus").text()).contains("jvm_memory_used_bytes", "http_server_requests", "modelpress_outbox_pending");
    }
}
