package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.LargeModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model over 2 GB (22 × 100 MB weights in external data) compressed in a child JVM limited to a 768 MB
 * heap: the engine must stream tensors rather than hold the model, and the result must still run in ONNX
 * Runtime with outputs close to the original's.
 */
class LargeModelTest {

    static final int WIDTH = 5120;
    static final int LAYERS = 22;

    @TempDir
    Path dir;

    @Test
    void compressesAModelOverTwoGigabytesInABoundedHeap() throws Exception {
        Path input = LargeModels.write(dir.resolve("large"), "large", WIDTH, LAYERS);
        assertThat(OnnxModel.read(input).totalBytes()).isGreaterThan(2L << 30);
        Path output = dir.resolve("large-int8.onnx");

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                LargeModelTest.class.getName(), input.toString(), output.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertThat(child.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.log"))).isZero();

        String[] result = Files.readString(dir.resolve("result.txt")).trim().split(" ");
        double ratio = Double.parseDouble(result[0]);
        double cosine = Double.parseDouble(result[1]);
        assertThat(ratio).isLessThan(0.27);
        assertThat(cosine).isGreaterThan(0.99);
        assertThat(OnnxModel.read(output).externalFiles()).containsExactly(dir.resolve("large-int8.onnx.data").toRealPath());
    }

    /** Child JVM: compress args[0] into args[1] with int8 and write "ratio cosineMean" next to it. */
    public static void main(String[] args) throws IOException {
        Path output = Path.of(args[1]);
        FidelityReport report = new ModelCompressor(new EvaluationSettings(1, 7, null, 0, Map.of()))
                .compress(Path.of(args[0]), output, CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);
        Files.writeString(output.resolveSibling("result.txt"),
                report.sizes().ratio() + " " + report.worstCosineMean() + "\n");
    }
}
