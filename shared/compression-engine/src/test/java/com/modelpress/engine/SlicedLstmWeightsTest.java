package com.modelpress.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.RecurrentFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * LSTM matrices that reach the LSTM only through Slice → Concat → Unsqueeze (PyTorch's gate order rearranged into
 * ONNX's) are int8 with one scale per row, which stays one gate row of the LSTM; ONNX Runtime runs the result.
 */
class SlicedLstmWeightsTest {

    @TempDir
    Path dir;

    @Test
    void matricesReassembledFromSlicesAreInt8WithAScalePerGateRow() throws IOException {
        Path input = OnnxFixtures.write(RecurrentFixtures.slicedGateLstm(4), dir.resolve("lstm.onnx"));
        FidelityReport report = new ModelCompressor(new EvaluationSettings(8, 7, null, 0, Map.of()),
                CalibrationSettings.none()).compress(input, dir.resolve("lstm-int8.onnx"),
                CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);

        assertThat(report.tensors()).filteredOn(t -> t.name().startsWith("rnn.weight")).hasSize(2)
                .allMatch(t -> t.method().equals("int8") && t.encoding().equals("DequantizeLinear(axis=0)"));
        System.out.printf("sliced LSTM int8: size %.3f, SQNR %.1f dB%n", report.sizes().ratio(),
                report.outputs().getFirst().sqnrDb());
        assertThat(report.outputs().getFirst().sqnrDb()).isGreaterThan(30);
        assertThat(report.sizes().ratio()).isLessThan(0.5);
    }
}
