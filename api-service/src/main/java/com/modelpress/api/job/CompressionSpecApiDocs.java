package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.CompressionSpec;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.Schema;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.Map;

/**
 * The compression request's schema in the OpenAPI document states {@link CompressionSpec#rules()}: each member's enum
 * or minimum and maximum is the rule the API checks, so a change to the spec's rules is a change to the document, and
 * a rule that names no member of the schema fails the document rather than going unsaid.
 */
@Configuration(proxyBeanMethods = false)
class CompressionSpecApiDocs {

    /** The schema springdoc names after the request part's type. */
    static final String REQUEST_SCHEMA = CompressionRequest.class.getSimpleName();

    @Bean
    OpenApiCustomizer compressionSpecRules() {
        return openApi -> {
            if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null) {
                return;
            }
            CompressionSpec.rules().forEach(rule -> state(rule, member(openApi, rule.field()), openApi));
        };
    }

    @SuppressWarnings("unchecked")
    private static void state(CompressionSpec.Rule rule, Schema<?> member, OpenAPI openApi) {
        if (!rule.values().isEmpty()) {
            ((Schema<Object>) member).setEnum(List.copyOf(rule.values()));
            return;
        }
        if (rule.exclusiveMinimum() && openApi.getSpecVersion() == SpecVersion.V31) {
            member.setExclusiveMinimumValue(rule.minimum());
        } else {
            member.setMinimum(rule.minimum());
            member.setExclusiveMinimum(rule.exclusiveMinimum() ? true : null);
        }
        member.setMaximum(rule.maximum());
    }

    /**
     * The schema of the request member at {@code path} (e.g. {@code options.blockSize}), following {@code $ref}s.
     *
     * @throws IllegalStateException when the request's schema has no such member
     */
    @SuppressWarnings("rawtypes")
    static Schema<?> member(OpenAPI openApi, String path) {
        Map<String, Schema> schemas = openApi.getComponents().getSchemas();
        Schema<?> member = schemas.get(REQUEST_SCHEMA);
        for (String name : path.split("\\.")) {
            if (member != null && member.get$ref() != null) {
                member = schemas.get(member.get$ref().substring(member.get$ref().lastIndexOf('/') + 1));
            }
            member = member == null || member.getProperties() == null ? null : member.getProperties().get(name);
        }
        if (member == null) {
            throw new IllegalStateException("The compression spec has a rule for %s, which the %s schema does not have"
                    .formatted(path, REQUEST_SCHEMA));
        }
        return member;
    }
}
