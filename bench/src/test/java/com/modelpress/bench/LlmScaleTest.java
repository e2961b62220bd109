package com.modelpress.bench;

import com.modelpress.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The llm-scale bench in small: a 220 MB synthetic decoder (float32, external data, KV cache) compressed to int4
 * with GPTQ by a child JVM whose heap (160 MB) is smaller than the model, calibrated in groups; the result is
 * written with external data, loads and runs in ONNX Runtime (the engine's evaluation), and stays close to the
 * original. Takes about a minute.
 */
class LlmScaleTest {

    private static final SyntheticDecoder DECODER = new SyntheticDecoder(768, 6, 12, 2048, 8000, false);

    @TempDir
    Path dir;

    @Test
    void aDecoderLargerThanTheHeapCompressesToInt4WithGptqInGroups() throws Exception {
        assertThat(DECODER.weightBytes()).isGreaterThan(200L << 20);
        LlmScaleBench.Run run = LlmScaleBench.run(DECODER, dir.resolve("work"), 10, 256, "160m", "0", "gptq", 32, true);
        System.out.println(run.markdown(DECODER, 10, 256, "160m"));

        assertThat(run.value("maxHeapBytes")).isLessThan(DECODER.weightBytes());
        assertThat(run.value("peakHeapBytes")).isLessThanOrEqualTo(run.value("maxHeapBytes"));
        // 6 layers × 7 projections and the head; the embedding table is a lookup, not a MatMul
        assertThat(run.value("gptqTensors")).isEqualTo(43);
        assertThat(run.result().getProperty("notes")).containsPattern("XᵀX of 25 MatMul inputs computed by ONNX Runtime \\(CPU\\) in \\d\\d? groups");
        assertThat(run.real("ratio")).isLessThan(0.2);
        assertThat(run.externalBytes()).isGreaterThan(DECODER.weightBytes() / 10);
        // worst output (logits and every present.N.*) of a random-weight model: measured 0.948
        assertThat(run.real("cosine")).isGreaterThan(0.92);
        assertThat(OnnxModel.read(dir.resolve("work/output/decoder-int4.onnx")).externalFiles()).hasSize(1);
        assertThat(run.steps()).containsKeys("read", "calibrate", "compress+write", "evaluate");
    }
}
