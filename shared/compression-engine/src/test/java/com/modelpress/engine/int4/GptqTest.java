package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.engine.graph.TensorCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GptqTest {

    @Test
    void lazyBatchesWithoutAnInverseMatchTheRowByRowAlgorithm() {
        // k over one Cholesky panel and two lazy batches, a ragged last block; one input never varies
        int k = 300;
        int n = 40;
        float[] x = withDeadInput(correlatedActivations(900, k, 8), k, 7);
        double[] h = xtx(x, k);
        Random random = new Random(9);
        float[] w = new float[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.05);
        }
        // block size, symmetric, the type scales are stored in (float16 and bfloat16 graphs store them so)
        int[][] cases = {{32, 0, DataType.FLOAT_VALUE}, {32, 1, DataType.FLOAT_VALUE}, {16, 0, DataType.FLOAT_VALUE},
                {128, 0, DataType.FLOAT_VALUE}, {32, 0, DataType.FLOAT16_VALUE}, {32, 1, DataType.FLOAT16_VALUE},
                {128, 0, DataType.FLOAT16_VALUE}, {64, 0, DataType.BFLOAT16_VALUE}};
        for (int[] c : cases) {
            int blockSize = c[0];
            boolean symmetric = c[1] == 1;
            int scaleType = c[2];
            String as = "block %d, symmetric %s, scale type %d".formatted(blockSize, symmetric, scaleType);
            float[] expected = new float[w.length];
            // the reference rounds each block's scale to the stored type before it rounds the block's rows
            rowByRow(w, k, n, blockSize, symmetric, h, expected, (v, len, sym) -> Gptq.choose(v, len, sym, scaleType));
            float[] actual = new float[w.length];
            MatMulNBitsWeights packed = Gptq.quantize(w, k, n, blockSize, symmetric, h, scaleType, actual);

            assertThat(packed.dequantize()).containsExactly(actual);
            for (float scale : packed.scales()) {
                assertThat(scale).as("a scale as stored, " + as).isPositive().isEqualTo(TensorCodec.roundTo(scaleType, scale));
            }
            int same = 0;
            for (int i = 0; i < w.length; i++) {
                same += Math.abs(expected[i] - actual[i]) <= 1e-6f ? 1 : 0;
            }
            // float32 against double: a code at a rounding boundary may flip, the layer error may not move
            assertThat((double) same / w.length).as("equal decoded weights, " + as).isGreaterThan(0.98);
            double reference = outputError(x, w, expected, 900, k, n);
            assertThat(outputError(x, w, actual, 900, k, n)).as(as).isCloseTo(reference, within(0.005 * reference));
            for (int col = 0; col < n; col++) {
                assertThat(actual[7 * n + col]).as("a dead input's weight, " + as).isEqualTo(expected[7 * n + col]);
            }
        }
    }

    @Test
    void rowsInsideALazyBatchMatchAPlainFloatLoopToTheBit() {
        // one lazy batch (k below LAZY_ROWS: no products), a ragged last block, one dead input, and columns over two
        // threads' tiles: the tiled, left-looking kernel must give the codes and scales of the plain loop exactly
        int k = 56;
        int n = 600;
        float[] x = withDeadInput(correlatedActivations(400, k, 4), k, 5);
        Gptq.Factor factor = Gptq.factor(xtx(x, k), k, MatrixProducts.JAVA);
        Random random = new Random(21);
        float[] w = new float[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * (i / n % 9 == 0 ? 0.2 : 0.05));
        }
        for (Case c : List.of(new Case(32, false, DataType.FLOAT16_VALUE), new Case(16, true, DataType.FLOAT_VALUE),
                new Case(32, false, DataType.BFLOAT16_VALUE))) {
            float[] expected = new float[w.length];
            float[] expectedScales = new float[n * MatMulNBitsWeights.blocksFor(k, c.blockSize())];
            plainFloat(w, k, n, c.blockSize(), c.symmetric(), c.scaleType(), factor, expected, expectedScales);
            float[] actual = new float[w.length];
            MatMulNBitsWeights packed = Gptq.quantize(w, k, n, c.blockSize(), c.symmetric(), factor, c.scaleType(),
                    actual, MatrixProducts.JAVA);

            assertThat(actual).as(c.toString()).containsExactly(expected);
            assertThat(packed.dequantize()).as(c.toString()).containsExactly(expected);
            assertThat(packed.scales()).as(c.toString()).containsExactly(expectedScales);
        }
    }

    private record Case(int blockSize, boolean symmetric, int scaleType) {}

    /**
     * GPTQ in the kernel's float32 formulation, as plainly as it goes: row by row, each rounded row's error {@code w − q}
     * pushed onto every later row at once; a block's values found by forward substitution when it is reached.
     *
     * @param scales receives the block scales, {@code [n, blocks]}
     */
    private static void plainFloat(float[] w, int k, int n, int blockSize, boolean symmetric, int scaleType,
                                   Gptq.Factor factor, float[] decoded, float[] scales) {
        float round = 12582912f;
        float maxCode = 15f;
        float[] c = factor.coefficients();
        boolean[] dead = factor.dead();
        int blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        float[] original = new float[k * n];
        for (int i = 0; i < k; i++) {
            for (int col = 0; col < n; col++) {
                original[i * n + col] = dead[i] ? 0f : w[i * n + col];
            }
        }
        float[] current = original.clone();
        BlockQuantizer.BlockCode[] codes = new BlockQuantizer.BlockCode[n];
        for (int i = 0; i < k; i++) {
            if (i % blockSize == 0) {
                int len = Math.min(blockSize, k - i);
                for (int col = 0; col < n; col++) {
                    float[] compensation = new float[len];
                    float[] values = new float[len];
                    for (int u = 0; u < len; u++) {
                        float value = current[(i + u) * n + col] - original[(i + u) * n + col];
                        for (int v = 0; v < u; v++) {
                            value -= c[(i + u) * k + i + v] * compensation[v];
                        }
                        compensation[u] = value;
                    }
                    for (int u = 0; u < len; u++) {
                        values[u] = compensation[u] + original[(i + u) * n + col];
                    }
                    codes[col] = Gptq.choose(values, len, symmetric, scaleType);
                    scales[col * blocks + i / blockSize] = codes[col].scale();
                }
            }
            for (int col = 0; col < n; col++) {
                float scale = codes[col].scale();
                float zero = codes[col].zeroPoint();
                float q = Math.max(0f, Math.min(maxCode, ((current[i * n + col] * (1f / scale) + round) - round) + zero));
                decoded[i * n + col] = (q - zero) * scale;
                float error = original[i * n + col] - decoded[i * n + col];
                for (int j = i + 1; j < k; j++) {
                    current[j * n + col] += c[j * k + i] * error;
                }
            }
        }
    }

    @Test
    void outerBatchesCarryTheSameErrorsAsOneProductPerLazyBatch() {
        // three outer batches of 256 rows (the last ragged), each of four lazy batches: the outer product and the
        // products inside an outer batch only regroup the sums of the plain lazy-batch algorithm
        int k = 600;
        int n = 48;
        float[] x = correlatedActivations(1200, k, 6);
        Gptq.Factor factor = Gptq.factor(xtx(x, k), k, MatrixProducts.JAVA);
        Random random = new Random(3);
        float[] w = new float[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.05);
        }
        float[] plain = new float[w.length];
        Gptq.quantize(w, k, n, 32, false, factor, DataType.FLOAT_VALUE, plain, MatrixProducts.JAVA, 4, Gptq.LAZY_ROWS);
        float[] outer = new float[w.length];
        Gptq.quantize(w, k, n, 32, false, factor, DataType.FLOAT_VALUE, outer, MatrixProducts.JAVA, 4, Gptq.OUTER_ROWS);

        int same = 0;
        for (int i = 0; i < w.length; i++) {
            same += Math.abs(plain[i] - outer[i]) <= 1e-6f ? 1 : 0;
        }
        // float32 sums in another order: a code at a rounding boundary may flip, the layer error may not move
        assertThat((double) same / w.length).isGreaterThan(0.99);
        double reference = outputError(x, w, plain, 1200, k, n);
        assertThat(outputError(x, w, outer, 1200, k, n)).isCloseTo(reference, within(0.002 * reference));
    }

    @Test
    void eachCodeIsTheNearestUnderTheFloat16ScaleAsStored() {
        // a diagonal Hessian carries no error from row to row: every code is then a plain rounding under its scale
        int k = 128;
        int n = 256;
        double[] h = new double[k * k];
        for (int i = 0; i < k; i++) {
            h[i * k + i] = 1;
        }
        Random random = new Random(13);
        float[] w = new float[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.05);
        }
        float[] inFloat = new float[w.length];
        MatMulNBitsWeights floatScales = Gptq.quantize(w, k, n, 32, false, h, inFloat);
        long exactInHalf = 0;
        for (float scale : floatScales.scales()) {
            exactInHalf += scale == TensorCodec.roundTo(DataType.FLOAT16_VALUE, scale) ? 1 : 0;
        }
        assertThat(exactInHalf).as("float32 scales float16 holds exactly").isLessThan(floatScales.scales().length / 4);

        for (boolean symmetric : new boolean[]{false, true}) {
            float[] decoded = new float[w.length];
            MatMulNBitsWeights packed = Gptq.quantize(w, k, n, 32, symmetric, h, DataType.FLOAT16_VALUE, decoded);

            assertThat(packed.dequantize()).containsExactly(decoded);
            int nearest = 0;
            for (int i = 0; i < k; i++) {
                for (int col = 0; col < n; col++) {
                    float scale = packed.scale(i, col);
                    int zero = packed.zeroPoint(i, col);
                    // codes chosen before the scale was rounded would differ here wherever rounding it crosses a
                    // code boundary (about one weight in five hundred)
                    long code = Math.max(0, Math.min(15, (long) Math.rint(w[i * n + col] * (1f / scale)) + zero));
                    nearest += packed.code(i, col) == code ? 1 : 0;
                }
            }
            assertThat(nearest).as("symmetric %s", symmetric).isEqualTo(k * n);
        }
    }

    @Test
    void blocksTooSmallForAFloat16ScaleDecodeToZero() {
        int k = 64;
        int n = 8;
        float[] w = new float[k * n];
        Random random = new Random(3);
        for (int i = 0; i < w.length; i++) {
            // ranges of about 1e-9: a fifteenth of them is below float16's smallest subnormal
            w[i] = (float) (random.nextGaussian() * 1e-9);
        }
        double[] h = xtx(correlatedActivations(200, k, 4), k);
        for (boolean symmetric : new boolean[]{false, true}) {
            float[] decoded = new float[w.length];
            MatMulNBitsWeights packed = Gptq.quantize(w, k, n, 32, symmetric, h, DataType.FLOAT16_VALUE, decoded);

            assertThat(packed.dequantize()).containsExactly(decoded);
            for (float value : decoded) {
                assertThat(value).as("symmetric %s", symmetric).isZero();
            }
        }
    }

    @Test
    void factorizationFailsOnlyForMatricesNoDampeningRepairs() {
        int k = 20;
        double[] h = xtx(correlatedActivations(4, k, 2), k);
        assertThat(Gptq.factor(h, k, MatrixProducts.JAVA).dampening()).isEqualTo(Gptq.DAMPENING);
        h[3 * k + 3] = Double.NaN;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gptq.factor(h, k, MatrixProducts.JAVA))
                .isInstanceOf(ArithmeticException.class).hasMessageContaining("20");
    }

    @Test
    void compensatedRoundingLowersTheLayerOutputErrorOnCalibrationData() {
        int k = 128;
        int n = 48;
        int rows = 512;
        float[] x = correlatedActivations(rows, k, 5);
        float[] w = new float[k * n];
        Random random = new Random(6);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.05);
        }
        float[] plain = new float[w.length];
        BlockQuantizer.quantize(w, k, n, 32, false, plain);
        float[] compensated = new float[w.length];
        MatMulNBitsWeights packed = Gptq.quantize(w, k, n, 32, false, xtx(x, k), compensated);

        assertThat(packed.dequantize()).containsExactly(compensated);
        double plainError = outputError(x, w, plain, rows, k, n);
        double gptqError = outputError(x, w, compensated, rows, k, n);
        // measured: about a third of the round-to-nearest error on these correlated inputs
        assertThat(gptqError).isLessThan(0.6 * plainError);
        // the short code search per block costs little against BlockQuantizer's full one under compensation
        float[] searched = new float[w.length];
        rowByRow(w, k, n, 32, false, xtx(x, k), searched, BlockQuantizer::choose);
        assertThat(gptqError).isLessThan(1.1 * outputError(x, w, searched, rows, k, n));
    }

    /**
     * The algorithm as the GPTQ paper states it, in double precision: the upper Cholesky factor of the damped
     * inverse Hessian, then row by row, each row's scaled error pushed onto every later row.
     */
    static void rowByRow(float[] w, int k, int n, int blockSize, boolean symmetric, double[] xtx, float[] decoded) {
        rowByRow(w, k, n, blockSize, symmetric, xtx, decoded, Gptq::choose);
    }

    interface Chooser {
        BlockQuantizer.BlockCode choose(float[] x, int len, boolean symmetric);
    }

    static void rowByRow(float[] w, int k, int n, int blockSize, boolean symmetric, double[] xtx, float[] decoded,
                         Chooser chooser) {
        float[] work = w.clone();
        double[] h = xtx.clone();
        for (int i = 0; i < k; i++) {
            if (h[i * k + i] == 0) {
                h[i * k + i] = 1;
                for (int col = 0; col < n; col++) {
                    work[i * n + col] = 0;
                }
            }
        }
        double mean = 0;
        for (int i = 0; i < k; i++) {
            mean += h[i * k + i] / k;
        }
        for (int i = 0; i < k; i++) {
            h[i * k + i] += Gptq.DAMPENING * mean;
        }
        double[] inverse = inverse(h, k);
        double[] lower = cholesky(inverse, k);
        BlockQuantizer.BlockCode[] codes = new BlockQuantizer.BlockCode[n];
        float[] block = new float[blockSize];
        for (int i = 0; i < k; i++) {
            if (i % blockSize == 0) {
                int len = Math.min(blockSize, k - i);
                for (int col = 0; col < n; col++) {
                    for (int j = 0; j < blockSize; j++) {
                        block[j] = j < len ? work[(i + j) * n + col] : 0f;
                    }
                    codes[col] = chooser.choose(block, len, symmetric);
                }
            }
            double pivot = lower[i * k + i];
            for (int col = 0; col < n; col++) {
                float value = work[i * n + col];
                int code = BlockQuantizer.quantize(value, codes[col].scale(), codes[col].zeroPoint());
                float dequantized = (code - codes[col].zeroPoint()) * codes[col].scale();
                decoded[i * n + col] = dequantized;
                double error = (value - dequantized) / pivot;
                for (int j = i + 1; j < k; j++) {
                    // U = Lᵀ: U[i][j] = L[j][i]
                    work[j * n + col] -= (float) (lower[j * k + i] * error);
                }
            }
        }
    }

    private static double[] cholesky(double[] a, int k) {
        double[] l = new double[k * k];
        for (int j = 0; j < k; j++) {
            double sum = a[j * k + j];
            for (int p = 0; p < j; p++) {
                sum -= l[j * k + p] * l[j * k + p];
            }
            l[j * k + j] = Math.sqrt(sum);
            for (int i = j + 1; i < k; i++) {
                double s = a[i * k + j];
                for (int p = 0; p < j; p++) {
                    s -= l[i * k + p] * l[j * k + p];
                }
                l[i * k + j] = s / l[j * k + j];
            }
        }
        return l;
    }

    private static double[] inverse(double[] a, int k) {
        double[] l = cholesky(a, k);
        double[] lInverse = new double[k * k];
        for (int j = 0; j < k; j++) {
            lInverse[j * k + j] = 1 / l[j * k + j];
            for (int i = j + 1; i < k; i++) {
                double s = 0;
                for (int p = j; p < i; p++) {
                    s -= l[i * k + p] * lInverse[p * k + j];
                }
                lInverse[i * k + j] = s / l[i * k + i];
            }
        }
        double[] result = new double[k * k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int p = Math.max(r, c); p < k; p++) {
                    s += lInverse[p * k + r] * lInverse[p * k + c];
                }
                result[r * k + c] = s;
            }
        }
        return result;
    }

    /** Rows whose features share a few latent factors plus noise, with a few high-variance channels. */
    static float[] correlatedActivations(int rows, int k, long seed) {
        Random random = new Random(seed);
        int factors = 6;
        double[][] loadings = new double[factors][k];
        for (double[] loading : loadings) {
            for (int j = 0; j < k; j++) {
                loading[j] = random.nextGaussian();
            }
        }
        float[] x = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            double[] z = new double[factors];
            for (int f = 0; f < factors; f++) {
                z[f] = random.nextGaussian();
            }
            for (int j = 0; j < k; j++) {
                double v = 0.3 * random.nextGaussian();
                for (int f = 0; f < factors; f++) {
                    v += z[f] * loadings[f][j];
                }
                x[r * k + j] = (float) (j % 17 == 0 ? 5 * v : v);
            }
        }
        return x;
    }

    /** {@code x} with feature {@code input} zero in every row: an input that never varies. */
    private static float[] withDeadInput(float[] x, int k, int input) {
        for (int r = 0; r < x.length / k; r++) {
            x[r * k + input] = 0;
        }
        return x;
    }

    static double[] xtx(float[] x, int k) {
        int rows = x.length / k;
        double[] h = new double[k * k];
        for (int r = 0; r < rows; r++) {
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    h[a * k + b] += (double) x[r * k + a] * x[r * k + b];
                }
            }
        }
        return h;
    }

    private static double outputError(float[] x, float[] w, float[] q, int rows, int k, int n) {
        double error = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < n; c++) {
                double exact = 0;
                double approx = 0;
                for (int j = 0; j < k; j++) {
                    exact += x[r * k + j] * w[j * n + c];
                    approx += x[r * k + j] * q[j * n + c];
                }
                error += (exact - approx) * (exact - approx);
            }
        }
        return error;
    }
}
