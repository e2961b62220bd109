package com.modelpress.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ModelDefect;
import com.modelpress.engine.testing.HostileCorpus;
import com.modelpress.engine.testing.HostileCorpus.Case;
import com.modelpress.engine.testing.HostileCorpus.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every case of the hostile corpus at the engine's front door: {@link OnnxModel#read} refuses it with the expected
 * {@link ModelDefect}, in one line, without reaching ONNX Runtime — except the cases only ONNX Runtime can judge
 * (unknown operators, type errors at a node), which must pass here and are covered end to end by the CLI test.
 */
class HostileCorpusTest {

    private static final Set<ModelDefect> JUDGED_BY_ONNX_RUNTIME =
            EnumSet.of(ModelDefect.UNSUPPORTED_OPERATOR, ModelDefect.RUNTIME_REJECTED);

    @TempDir
    Path dir;

    static List<Case> cases() {
        return HostileCorpus.cases();
    }

    @Test
    void corpusHasAtLeastThirtyUniquelyNamedCases() {
        assertThat(cases()).hasSizeGreaterThanOrEqualTo(30);
        assertThat(cases().stream().map(Case::name).distinct().count()).isEqualTo(cases().size());
    }

    /** The checks must not refuse real models: an exported fp32 encoder and ONNX Runtime's own int8 export of it. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"all-minilm-l6-v2.onnx", "all-minilm-l6-v2-q.onnx"})
    void realModelsPassEveryCheck(String resource) throws IOException {
        Path model = dir.resolve(resource);
        try (java.io.InputStream in = HostileCorpusTest.class.getResourceAsStream("/" + resource)) {
            assertThat(in).as(resource + " on the test classpath").isNotNull();
            Files.copy(in, model);
        }

        OnnxModel read = OnnxModel.read(model);

        assertThat(read.proto().getGraph().getNodeCount()).isPositive();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readRefusesOrAcceptsAsTheCorpusSays(Case hostile) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(hostile.name()));
        Path model = hostile.write(folder).cliModel();

        Throwable thrown = catchThrowable(() -> OnnxModel.read(model));

        if (hostile.cli() instanceof Outcome.Refused(ModelDefect defect) && !JUDGED_BY_ONNX_RUNTIME.contains(defect)) {
            assertThat(thrown).as(hostile.description()).isInstanceOf(InvalidModelException.class);
            InvalidModelException invalid = (InvalidModelException) thrown;
            assertThat(invalid.defect()).as(invalid.getMessage()).contains(defect);
            assertThat(invalid.getMessage()).endsWith("[" + defect.code() + "]").doesNotContain("\n");
        } else {
            assertThat(thrown).as(hostile.description()).isNull();
        }
    }
}
