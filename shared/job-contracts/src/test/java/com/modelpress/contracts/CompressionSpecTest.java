package com.modelpress.contracts;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A request read as a spec: the variant its method names, the options in force, and refusals that name members. */
class CompressionSpecTest {

    @Test
    void eachMethodIsItsOwnVariantWithTheOptionsInForce() {
        CompressionSpec int8 = CompressionSpec.of(new CompressionRequest("int8",
                new CompressionOptions(64, true, List.of("head"), null, "rtn", "kept"), null, null, null));
        assertThat(int8).isInstanceOf(CompressionSpec.Int8.class);
        // 4-bit options do not apply to int8: the report shows what was in force
        assertThat(int8.options()).isEqualTo(new CompressionOptions(null, null, List.of("head"), 1024L));
        assertThat(int8.scope().head()).isEqualTo("kept");
        assertThat(int8.floors()).isEqualTo(CompressionSpec.Floors.NONE);

        CompressionSpec int4 = CompressionSpec.of(new CompressionRequest("int4", null,
                new CompressionRequest.Target(0.99), null, null));
        assertThat(int4).isInstanceOfSatisfying(CompressionSpec.Int4.class, spec -> assertThat(spec.fourBit())
                .isEqualTo(new CompressionSpec.FourBit(32, false, "gptq")));
        assertThat(int4.floors().minCosine()).isEqualTo(0.99);
    }

    @Test
    void autoCarriesItsFitAndFloors() {
        CompressionSpec auto = CompressionSpec.of(new CompressionRequest("auto", null,
                new CompressionRequest.Target(null, null, 0.01, null, "0.25x", 3.5), null, null));
        assertThat(auto).isInstanceOfSatisfying(CompressionSpec.Auto.class, spec -> {
            assertThat(spec.fit().size().ratio()).isEqualTo(0.25);
            assertThat(spec.fit().bitsPerWeight()).isEqualTo(3.5);
            assertThat(spec.floors().maxKl()).isEqualTo(0.01);
        });
    }

    @Test
    void aRefusalListsEveryProblemAndNamesMembersInTheCallersWords() {
        CompressionRequest bad = new CompressionRequest("int4", new CompressionOptions(33, null, null, null),
                new CompressionRequest.Target(null, null, null, null, "1MB", null), null, null);
        assertThatThrownBy(() -> CompressionSpec.of(bad)).isInstanceOfSatisfying(
                CompressionSpec.InvalidSpecException.class, e -> {
                    assertThat(e.problems()).extracting(CompressionSpec.Problem::field)
                            .containsExactly("options.blockSize", "target.size");
                    CompressionSpec.Problem size = e.problems().get(1);
                    assertThat(size.jsonMessage()).isEqualTo("a size target applies to method auto only");
                    assertThat(size.message(member -> "--" + member.replace('.', '-')))
                            .isEqualTo("a size target applies to --method auto only");
                });
    }

    @Test
    void theRulesListedAreTheRulesChecked() {
        assertThat(CompressionSpec.rules()).extracting(CompressionSpec.Rule::field).containsExactly("method",
                "options.blockSize", "options.rounding", "options.head", "options.minElements", "target.minCosine",
                "target.maxKl", "target.targetOutput", "target.maxPplIncrease", "target.bitsPerWeight",
                "evaluation.samples", "evaluation.context", "evaluation.decodeSteps");
        CompressionSpec.Rule blockSize = rule("options.blockSize");
        for (Object size : blockSize.values()) {
            assertThat(fields(new CompressionRequest("int4", new CompressionOptions((Integer) size, null, null, null),
                    null, null, null))).isEmpty();
        }
        assertThat(CompressionSpec.problems(new CompressionRequest("int4", new CompressionOptions(48, null, null, null),
                null, null, null))).singleElement().hasToString("options.blockSize must be 16, 32, 64 or 128, not 48");

        // a range's edges: the maximum passes and one past it fails; an exclusive minimum fails itself
        CompressionSpec.Rule samples = rule("evaluation.samples");
        assertThat(samples.minimum()).isEqualTo(BigDecimal.ONE);
        int most = samples.maximum().intValueExact();
        assertThat(fields(samples(most))).isEmpty();
        assertThat(fields(samples(most + 1))).containsExactly("evaluation.samples");
        assertThat(fields(samples(0))).containsExactly("evaluation.samples");
        CompressionSpec.Rule minCosine = rule("target.minCosine");
        assertThat(minCosine.exclusiveMinimum()).isTrue();
        assertThat(fields(minCosine(minCosine.minimum().doubleValue()))).containsExactly("target.minCosine");
        assertThat(fields(minCosine(Math.nextUp(minCosine.minimum().doubleValue())))).isEmpty();
        assertThat(fields(minCosine(minCosine.maximum().doubleValue()))).isEmpty();
        assertThat(CompressionSpec.problems(minCosine(1.5))).singleElement()
                .hasToString("target.minCosine must be above 0 and at most 1, not 1.5");
        assertThat(rule("target.maxKl").admits(Double.POSITIVE_INFINITY)).isFalse();
        assertThat(rule("target.maxKl").admits(Double.NaN)).isFalse();
    }

    private static CompressionSpec.Rule rule(String field) {
        return CompressionSpec.rules().stream().filter(rule -> rule.field().equals(field)).findFirst().orElseThrow();
    }

    private static List<String> fields(CompressionRequest request) {
        return CompressionSpec.problems(request).stream().map(CompressionSpec.Problem::field).toList();
    }

    private static CompressionRequest samples(int samples) {
        return new CompressionRequest("int8", null, null, new CompressionRequest.EvaluationSpec(samples, null), null);
    }

    private static CompressionRequest minCosine(double minCosine) {
        return new CompressionRequest("int8", null, new CompressionRequest.Target(minCosine), null, null);
    }
}
