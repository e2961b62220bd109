package com.modelpress.api.job;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionSpec;
import com.modelpress.contracts.DeclaredInputs;
import io.swagger.v3.oas.models.media.Schema;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI document's words for the language-model members of the compression request (the records in
 * {@code job-contracts} carry no OpenAPI annotations): what each means and the bounds {@link CompressionSpec}
 * enforces.
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
                    + "other models: the KL divergence of every logits output; positive", null, null);
            describe(schemas, "Target", "maxPplIncrease", "auto, decoder LMs with an evaluationText part: the "
                    + "perplexity on it may grow by at most this fraction (0.01 = 1 %); positive", null, null);
            describe(schemas, "EvaluationSpec", "samples", "Synthesised evaluation samples (default 8), or with an "
                    + "evaluationText the windows (decoder LMs, default 24) or lines (encoders) taken from it; 1 to "
                    + CompressionSpec.MAX_SAMPLES, BigDecimal.ONE, BigDecimal.valueOf(CompressionSpec.MAX_SAMPLES));
            describe(schemas, "EvaluationSpec", "context", "Tokens per window of the calibrationText and evaluationText "
                    + "for decoder LMs, the most tokens per line for encoders (default 128); needs a text part",
                    BigDecimal.TWO, BigDecimal.valueOf(CompressionSpec.MAX_CONTEXT));
            describe(schemas, "EvaluationSpec", "decodeSteps", "Decoder LMs with a KV cache: decode steps after each "
                    + "prefill window, each model feeding its own present back as past (default 32); 0 scores the "
                    + "prefill only", BigDecimal.ZERO, BigDecimal.valueOf(CompressionSpec.MAX_DECODE_STEPS));
            describeDeclaredInputs(schemas);
            describeSpec(schemas);
            Schema<?> head = property(schemas, "CompressionOptions", "head");
            if (head != null) {
                head.setDescription("int4: precision of a language model's head (the matrix producing its logits): "
                        + "measured (default: scored at int4, int8 and kept), int4, int8 or kept");
                @SuppressWarnings("unchecked")
                Schema<Object> values = (Schema<Object>) head;
                values.setEnum(java.util.List.copyOf(CompressionOptions.HEADS));
            }
        };
    }

    /** The closed sets and ranges of {@link CompressionSpec}: the schema says what its rules accept. */
    @SuppressWarnings("rawtypes")
    private static void describeSpec(Map<String, Schema> schemas) {
        enumerate(schemas, "CompressionRequest", "method", CompressionSpec.METHODS);
        enumerate(schemas, "CompressionOptions", "blockSize", CompressionSpec.BLOCK_SIZES);
        enumerate(schemas, "CompressionOptions", "rounding", CompressionOptions.ROUNDINGS);
        enumerate(schemas, "Target", "targetOutput", CompressionSpec.TARGET_OUTPUTS);
        Schema<?> minCosine = property(schemas, "Target", "minCosine");
        if (minCosine != null) {
            minCosine.setDescription("The worst output's mean cosine must be at least this: auto's target, every "
                    + "method's gate; above 0 (0 itself is refused) and at most 1");
            minCosine.setMinimum(BigDecimal.ZERO);
            minCosine.setMaximum(BigDecimal.ONE);
        }
        Schema<?> bits = property(schemas, "Target", "bitsPerWeight");
        if (bits != null) {
            bits.setMinimum(BigDecimal.valueOf(CompressionSpec.MIN_BITS_PER_WEIGHT));
            bits.setMaximum(BigDecimal.valueOf(32));
        }
        Schema<?> minElements = property(schemas, "CompressionOptions", "minElements");
        if (minElements != null) {
            minElements.setMinimum(BigDecimal.ZERO);
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void enumerate(Map<String, Schema> schemas, String schema, String member, List<?> values) {
        Schema<Object> property = (Schema<Object>) property(schemas, schema, member);
        if (property != null) {
            property.setEnum(List.copyOf(values));
        }
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
                + " dimensions; fixed dimensions of the model must match." + bounds, null, null);
        describe(schemas, "EvaluationSpec", "dims", "Synthesised inputs: symbolic dimension name → its size in every "
                + "input, e.g. {\"batch\": 2}; 0 to " + DeclaredInputs.MAX_ELEMENTS + "." + bounds, null, null);
        describe(schemas, "EvaluationSpec", "values", "Synthesised inputs: input name → the value of every element, "
                + "e.g. {\"sr\": 16000} for a scalar rate; finite, whole numbers for integer inputs, non-zero is "
                + "true for bool inputs." + bounds, null, null);
    }

    /** @param minimum nullable; @param maximum nullable */
    @SuppressWarnings("rawtypes")
    private static void describe(Map<String, Schema> schemas, String schema, String member, String description,
                                 BigDecimal minimum, BigDecimal maximum) {
        Schema<?> property = property(schemas, schema, member);
        if (property != null) {
            property.setDescription(description);
            property.setMinimum(minimum);
            property.setMaximum(maximum);
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
