package com.modelpress.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The command-line form of declared inputs, their bounds, and their place in the request JSON. */
class DeclaredInputsRulesTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void parsesShapesScalarsDimsAndValues() {
        DeclaredInputs declared = DeclaredInputs.parse(List.of("input=2x512", "sr=scalar", "image=1,3,224,224"),
                List.of("batch=2"), List.of("sr=16000", "temperature=0.5"));
        assertThat(declared.shapes()).containsExactly(Map.entry("input", List.of(2L, 512L)), Map.entry("sr", List.of()),
                Map.entry("image", List.of(1L, 3L, 224L, 224L)));
        assertThat(declared.dims()).containsExactly(Map.entry("batch", 2L));
        assertThat(declared.values()).containsExactly(Map.entry("sr", 16000d), Map.entry("temperature", 0.5));
        assertThat(declared.problems(8)).isEmpty();
        assertThat(declared).hasToString("--shape input=2x512 --shape sr=scalar --shape image=1x3x224x224 --dim batch=2 "
                + "--set sr=16000.0 --set temperature=0.5");
    }

    @Test
    void refusesMalformedArgumentsNamingTheOption() {
        assertThatThrownBy(() -> DeclaredInputs.parse(List.of("input"), List.of(), List.of()))
                .hasMessage("--shape input: expected NAME=2x512 (NAME=scalar for a scalar)");
        assertThatThrownBy(() -> DeclaredInputs.parse(List.of("input=2x"), List.of(), List.of()))
                .hasMessage("--shape input=2x: '' is not a whole number");
        assertThatThrownBy(() -> DeclaredInputs.parse(List.of(), List.of("batch=two"), List.of()))
                .hasMessage("--dim batch=two: 'two' is not a whole number");
        assertThatThrownBy(() -> DeclaredInputs.parse(List.of(), List.of(), List.of("sr=fast")))
                .hasMessage("--set sr=fast: 'fast' is not a number");
        assertThatThrownBy(() -> DeclaredInputs.parse(List.of(), List.of(), List.of("sr=1", "sr=2")))
                .hasMessage("--set names 'sr' twice");
    }

    @Test
    void boundsHoldWithoutOverflowing() {
        DeclaredInputs huge = DeclaredInputs.parse(List.of("a=16777216x16777216x16777216"), List.of(), List.of());
        assertThat(huge.problems(1)).extracting(DeclaredInputs.Problem::field).containsExactly("evaluation.shapes.a");
        DeclaredInputs many = DeclaredInputs.parse(List.of("a=4096x2048", "b=4096x2048", "c=1"), List.of(), List.of());
        assertThat(many.problems(1)).singleElement().satisfies(p -> assertThat(p.message())
                .isEqualTo("the declared inputs of one sample hold 16777217 elements, more than 16777216"));
        DeclaredInputs spread = DeclaredInputs.parse(List.of("a=1048576"), List.of(), List.of());
        assertThat(spread.problems(64)).isEmpty();
        assertThat(spread.problems(65)).singleElement().satisfies(p -> assertThat(p.toString())
                .isEqualTo("evaluation.shapes 65 samples of 1048576 declared elements are more than 67108864 elements"));
        Map<String, List<Long>> nulls = new HashMap<>();
        nulls.put("a", null);
        assertThat(new DeclaredInputs(nulls, Map.of("", 1L), Map.of()).problems(1))
                .extracting(DeclaredInputs.Problem::field).containsExactly("evaluation.shapes.a", "evaluation.dims.");
    }

    @Test
    void aRequestWithoutDeclarationsSerialisesAsBeforeAndOneWithThemRoundTrips() {
        CompressionRequest.EvaluationSpec plain = new CompressionRequest.EvaluationSpec(8, 7L, null, null, null);
        assertThat(json.writeValueAsString(plain)).doesNotContain("shapes", "dims", "values", "declared");
        CompressionRequest.EvaluationSpec declared = new CompressionRequest.EvaluationSpec(8, 7L, null, null, null,
                Map.of("input", List.of(2L, 512L)), Map.of("batch", 2L), Map.of("sr", 16000d));
        String text = json.writeValueAsString(declared);
        assertThat(text).contains("\"shapes\":{\"input\":[2,512]}", "\"dims\":{\"batch\":2}", "\"values\":{\"sr\":16000.0}");
        assertThat(json.readValue(text, CompressionRequest.EvaluationSpec.class)).isEqualTo(declared);
    }
}
