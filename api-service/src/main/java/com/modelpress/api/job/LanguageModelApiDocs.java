package com.modelpress.api.job;

import com.modelpress.contracts.CompressionSpec;
import com.modelpress.contracts.DeclaredInputs;
import io.swagger.v3.oas.models.media.Schema;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Map;

/**
 * The OpenAPI document's words for the language-model members of the compression request (the records in
 * {@code job-contracts} carry no OpenAPI annotations): what each means. The enums and ranges {@link CompressionSpec}
 * enforces are {@link CompressionSpecApiDocs}'.
 */
@Configuration(proxyBeanMethods = false)
class LanguageModelApiDocs {

    @Bean
    @SuppressWarnings("rawtypes")
    OpenApiCustomizer languageModelRequestMembers() {
        return openApi -> {
            Map<String, Schema> schemas = openApi.getComponents() == null ? null : openApi.getComponents().getSchemas();
            if (schemas == null) {
                return;
            }
            describe(schemas, "Target", "maxKl", "auto: decoder LMs: the mean KL divergence of the next-token "
                    + "distributions of the prefill windows and of the decode steps must each be at most this (nats); "
                    + "other models: the KL divergence of every logits output; positive");
            describe(schemas, "Target", "maxPplIncrease", "auto, decoder LMs with an evaluationText part: the "
                    + "perplexity on it may grow by at most this fraction (0.01 = 1 %); positive");
            describe(schemas, "EvaluationSpec", "samples", "Synthesised evaluation samples (default 8), or with an "
                    + "evaluationText the windows (decoder LMs, default 24) or lines (encoders) taken from it");
            describe(schemas, "EvaluationSpec", "context", "Tokens per window of the calibrationText and evaluationText "
                    + "for decoder LMs, the most tokens per line for encoders (default 128); needs a text part");
            describe(schemas, "EvaluationSpec", "decodeSteps", "Decoder LMs with a KV cache: decode steps after each "
                    + "prefill window, each model feeding its own present back as past (default 32); 0 scores the "
                    + "prefill only");
            describeDeclaredInputs(schemas);
            describe(schemas, "CompressionOptions", "head", "int4: precision of a language model's head (the matrix "
                    + "producing its logits): measured (default: scored at int4, int8 and kept), int4, int8 or kept");
            describe(schemas, "Target", "minCosine", "The worst output's mean cosine must be at least this: auto's "
                    + "target, every method's gate");
        };
    }

    /** The members that declare synthesised inputs, with the bounds {@link DeclaredInputs#problems} enforces. */
    @SuppressWarnings("rawtypes")
    private static void describeDeclaredInputs(Map<String, Schema> schemas) {
        String bounds = " At most %d entries; names of 1 to %d characters. Synthesised inputs may hold at most %d elements "
                .formatted(DeclaredInputs.MAX_ENTRIES, DeclaredInputs.MAX_NAME_LENGTH, DeclaredInputs.MAX_ELEMENTS)
                + "per sample and %d over all samples.".formatted(DeclaredInputs.MAX_TOTAL_ELEMENTS);
        describe(schemas, "EvaluationSpec", "shapes", "Synthesised evaluation and calibration inputs: input name → "
                + "its dimension sizes, e.g. {\"input\": [2, 512]} ([] for a scalar); replaces the signature's unknown "
                + "sizes. Each size 0 to " + DeclaredInputs.MAX_ELEMENTS + ", at most " + DeclaredInputs.MAX_RANK
                + " dimensions; fixed dimensions of the model must match." + bounds);
        describe(schemas, "EvaluationSpec", "dims", "Synthesised inputs: symbolic dimension name → its size in every "
                + "input, e.g. {\"batch\": 2}; 0 to " + DeclaredInputs.MAX_ELEMENTS + "." + bounds);
        describe(schemas, "EvaluationSpec", "values", "Synthesised inputs: input name → the value of every element, "
                + "e.g. {\"sr\": 16000} for a scalar rate; finite, whole numbers for integer inputs, non-zero is "
                + "true for bool inputs." + bounds);
    }

    @SuppressWarnings("rawtypes")
    private static void describe(Map<String, Schema> schemas, String schema, String member, String description) {
        Schema<?> property = property(schemas, schema, member);
        if (property != null) {
            property.setDescription(description);
        }
    }

    @SuppressWarnings("rawtypes")
    private static Schema<?> property(Map<String, Schema> schemas, String schema, String member) {
        Schema<?> owner = schemas.get(schema);
        if (owner == null || owner.getProperties() == null) {
            return null;
        }
        return owner.getProperties().get(member);
    }
}
