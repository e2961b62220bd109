package com.modelpress.api.web;

import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.contracts.CompressionSpec;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document is part of the product: every endpoint, with its problem+json errors. */
class OpenApiIntegrationTest extends ApiIntegrationTest {

    @Test
    void documentsEveryEndpointWithItsProblemResponses() {
        JsonNode paths = api.get("/v3/api-docs").json().get("paths");
        Map<String, Set<String>> expected = Map.ofEntries(
                Map.entry("/api/v1/jobs", Set.of("get", "post")),
                Map.entry("/api/v1/jobs/{id}", Set.of("get", "delete")),
                Map.entry("/api/v1/jobs/{id}/cancel", Set.of("post")),
                Map.entry("/api/v1/jobs/{id}/events", Set.of("get")),
                Map.entry("/api/v1/jobs/{id}/report", Set.of("get")),
                Map.entry("/api/v1/jobs/{id}/report.html", Set.of("get")),
                Map.entry("/api/v1/jobs/{id}/artifacts", Set.of("get")),
                Map.entry("/api/v1/jobs/{id}/artifacts/{name}", Set.of("get")),
                Map.entry("/api/v1/jobs/{id}/webhook-deliveries", Set.of("get")),
                Map.entry("/api/v1/api-keys", Set.of("get", "post")),
                Map.entry("/api/v1/api-keys/{id}", Set.of("get", "delete")),
                Map.entry("/api/v1/webhooks", Set.of("get", "post")),
                Map.entry("/api/v1/webhooks/{id}", Set.of("get", "delete")),
                Map.entry("/api/v1/webhooks/{id}/rotate-secret", Set.of("post")),
                Map.entry("/api/v1/webhooks/signing-secret", Set.of("get", "post")));
        assertThat(paths.propertyNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((path, methods) -> methods.forEach(method -> {
            JsonNode responses = paths.get(path).get(method).get("responses");
            JsonNode operation = paths.get(path).get(method);
            assertThat(responses.get("500").get("content").get("application/problem+json")).as(method + " " + path).isNotNull();
            // every /api operation needs a key, may be refused for it or for the rate, and never asks for the caller
            assertThat(responses.propertyNames()).as(method + " " + path).contains("401", "429");
            assertThat(operation.path("parameters").valueStream().map(p -> p.get("name").asString()))
                    .doesNotContain("caller");
            responses.propertyNames().stream().filter(status -> status.startsWith("4")).forEach(status ->
                    assertThat(responses.get(status).get("content").get("application/problem+json").get("schema")
                            .get("$ref").asString()).isEqualTo("#/components/schemas/Problem"));
        }));
        assertThat(paths.get("/api/v1/jobs").get("post").get("responses").propertyNames())
                .contains("202", "200", "400", "413", "415", "422");
        assertThat(paths.get("/api/v1/jobs/{id}/artifacts/{name}").get("get").get("responses").propertyNames())
                .contains("200", "206", "304", "404", "416");
        assertThat(paths.get("/api/v1/jobs").get("post").get("responses").propertyNames()).contains("429");
        assertThat(paths.get("/api/v1/jobs/{id}/report.html").get("get").get("responses").get("200").get("content")
                .propertyNames()).containsExactly("text/html");
        assertThat(paths.get("/api/v1/api-keys").get("post").get("responses").propertyNames()).contains("201", "403");
        assertThat(paths.get("/api/v1/webhooks").get("post").get("responses").propertyNames()).contains("201", "422");
        assertThat(paths.get("/api/v1/webhooks/{id}").get("get").get("responses").propertyNames()).contains("404");
        JsonNode document = api.withKey(null).get("/v3/api-docs").json();
        JsonNode evaluation = document.get("components").get("schemas").get("EvaluationSpec").get("properties");
        assertThat(evaluation.get("shapes").get("description").asString()).contains("[2, 512]", "16777216");
        assertThat(evaluation.get("dims").get("description").asString()).contains("symbolic dimension");
        assertThat(evaluation.get("values").get("description").asString()).contains("16000");
        JsonNode scheme = document.get("components").get("securitySchemes").get("apiKey");
        assertThat(scheme.get("type").asString()).isEqualTo("http");
        assertThat(scheme.get("scheme").asString()).isEqualTo("bearer");
        assertThat(document.get("security").get(0).has("apiKey")).isTrue();
        assertThat(api.withKey(null).get("/swagger-ui/index.html").status()).isEqualTo(200);
    }

    /**
     * The request part's schema states the spec's rules, each at the member it names: the enums are its values in its
     * order, the minimum and maximum its range (an exclusive minimum as OpenAPI 3.1 writes one).
     */
    @Test
    void theRequestSchemaStatesTheRulesOfTheCompressionSpec() {
        JsonNode document = api.get("/v3/api-docs").json();
        assertThat(document.at("/paths/~1api~1v1~1jobs/post/requestBody/content/multipart~1form-data/schema/properties"
                + "/request/$ref").asString()).isEqualTo("#/components/schemas/CompressionRequest");
        for (CompressionSpec.Rule rule : CompressionSpec.rules()) {
            JsonNode member = member(document, rule.field());
            if (!rule.values().isEmpty()) {
                assertThat(member.get("enum").valueStream().map(value -> value.isNumber() ? value.numberValue()
                        : value.asString()).toList()).as(rule.field()).isEqualTo(rule.values());
                continue;
            }
            assertThat(decimal(member, rule.field(), rule.exclusiveMinimum() ? "exclusiveMinimum" : "minimum"))
                    .as(rule.field()).isEqualByComparingTo(rule.minimum());
            assertThat(member.has(rule.exclusiveMinimum() ? "minimum" : "exclusiveMinimum")).as(rule.field()).isFalse();
            if (rule.maximum() == null) {
                assertThat(member.has("maximum")).as(rule.field()).isFalse();
            } else {
                assertThat(decimal(member, rule.field(), "maximum")).as(rule.field()).isEqualByComparingTo(rule.maximum());
            }
        }
        // what the rules say, spelled out: the document is not merely consistent with itself
        assertThat(member(document, "method").get("enum").valueStream().map(JsonNode::asString).toList())
                .containsExactly("fp16", "int8", "int8-dynamic", "int4", "auto");
        assertThat(member(document, "options.blockSize").get("enum").valueStream().map(JsonNode::asInt).toList())
                .containsExactly(16, 32, 64, 128);
        assertThat(member(document, "target.minCosine").get("exclusiveMinimum").asInt()).isZero();
        assertThat(member(document, "target.minCosine").get("maximum").asInt()).isEqualTo(1);
        assertThat(member(document, "evaluation.samples").get("maximum").asInt()).isEqualTo(1024);
    }

    /** The request member at {@code path} (e.g. {@code options.blockSize}) in the document, through {@code $ref}s. */
    private static JsonNode member(JsonNode document, String path) {
        JsonNode member = document.at("/components/schemas/CompressionRequest");
        for (String name : path.split("\\.")) {
            if (member.has("$ref")) {
                member = document.at(member.get("$ref").asString().substring(1));
            }
            member = member.path("properties").path(name);
        }
        assertThat(member.isMissingNode()).as("%s in the CompressionRequest schema", path).isFalse();
        return member;
    }

    private static BigDecimal decimal(JsonNode member, String field, String keyword) {
        assertThat(member.has(keyword)).as("%s has %s", field, keyword).isTrue();
        return member.get(keyword).decimalValue();
    }

    @Test
    void exposesProbesAndPrometheusMetrics() {
        assertThat(api.get("/actuator/health/liveness").json().get("status").asString()).isEqualTo("UP");
        assertThat(api.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");
        assertThat(api.withKey(null).get("/actuator/health/readiness").status()).isEqualTo(200);
        // metrics need an admin key (issue 15 item 15); the operator's key is one
        assertThat(api.withKey(null).get("/actuator/prometheus").status()).isEqualTo(401);
        assertThat(api.get("/actuator/prometheus").text()).contains("jvm_memory_used_bytes", "http_server_requests",
                "modelpress_outbox_pending", "modelpress_outbox_parked");
    }
}
