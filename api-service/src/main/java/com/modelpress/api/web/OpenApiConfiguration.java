package com.modelpress.api.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

import java.util.Arrays;
import java.util.stream.IntStream;

@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM_SCHEMA = "Problem";
    static final String API_KEY_SCHEME = "apiKey";
    private static final String PROBLEM_JSON = org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    @Bean
    OpenAPI modelPressOpenApi() {
        Schema<?> violation = new ObjectSchema()
                .addProperty("field", new StringSchema())
                .addProperty("message", new StringSchema());
        Schema<?> problem = new ObjectSchema()
                .description("RFC 9457 problem details with a stable machine-readable 'code'")
                .addProperty("type", new StringSchema().format("uri"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().format("uri"))
                .addProperty("code", new StringSchema().example("job_not_found"))
                .addProperty("errors", new ArraySchema().items(violation)
                        .description("only for code 'validation_failed': every rule the request breaks"));
        problem.setRequired(java.util.List.of("type", "title", "status", "code"));
        return new OpenAPI()
                .info(new Info().title("ModelPress API").version("v1")
                        .description("Compress ONNX models as a service and measure what it costs in fidelity. "
                                + "Every /api request needs an API key: 'Authorization: Bearer mp_…'.")
                        .license(new License().name("Apache-2.0")))
                .components(new Components().addSchemas(PROBLEM_SCHEMA, problem)
                        .addSecuritySchemes(API_KEY_SCHEME, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").bearerFormat("mp_<id>_<secret>")
                                .description("An API key (admins create them with POST /api/v1/api-keys; the operator's "
                                        + "admin key is modelpress.api.auth.admin-key). X-API-Key: <key> works too.")))
                .addSecurityItem(new SecurityRequirement().addList(API_KEY_SCHEME));
    }

    /**
     * Adds the statuses of {@link ProblemResponses}, and 401 (no valid key), 429 (rate limit) and 500 that every
     * endpoint can answer, as problem+json responses.
     */
    @Bean
    OperationCustomizer problemResponses() {
        return (operation, handlerMethod) -> {
            ProblemResponses declared = handlerMethod.getMethodAnnotation(ProblemResponses.class);
            int[] statuses = declared == null ? new int[0] : declared.value();
            if (operation.getResponses() == null) {
                operation.setResponses(new ApiResponses());
            }
            IntStream.concat(Arrays.stream(statuses), IntStream.of(401, 429, 500)).distinct().forEach(status -> {
                HttpStatus httpStatus = HttpStatus.valueOf(status);
                operation.getResponses().addApiResponse(String.valueOf(status), new ApiResponse()
                        .description(httpStatus.getReasonPhrase())
                        .content(new Content().addMediaType(PROBLEM_JSON, new MediaType()
                                .schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM_SCHEMA)))));
            });
            return operation;
        };
    }
}
