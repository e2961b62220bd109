package com.modelpress.bench;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.engine.evaluation.ExecutionProvider;
import com.modelpress.engine.evaluation.OrtMatrixProducts;
import com.modelpress.engine.int4.Gptq;
import com.modelpress.engine.int4.MatrixProducts;
import com.modelpress.engine.int4.WidthQuantizer;
import com.modelpress.engine.quant.NBitsEncodings;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * GPTQ alone on LLM-sized weights, in this process: 4-bit, block 32, float16 scales (an fp16 model's), ONNX
 * Runtime's GEMM for the products, as {@code compress -m int4} runs it. Each shape ({@code KxN}) gets a random weight
 * (Gaussian, a few rows of larger magnitude) and the Hessian {@code XᵀX} of calibration rows from a correlated
 * Gaussian (a few shared latent factors plus noise, every 17th channel five times larger). Each repetition times the
 * first quantization (the Hessian's factorization included) and a second one with the factor reused, as the q/k/v and
 * gate/up weights that share an activation do, then the factorization alone (warm); wall time and the process's CPU time (all its threads) for each, and
 * the part of that CPU time spent in ONNX Runtime's products, and a CRC-32 of the codes, scales and zero points, to
 * tell whether two versions of the kernel give the same results.
 *
 * <p>Usage: {@code bench/run gptq-speed [--shapes 2048x5632,5632x2048] [--runs 3] [--tokens 2048] [--block-size 32]}.
 */
public final class GptqSpeedBench {

    private static final Set<String> OPTIONS = Set.of("shapes", "runs", "tokens", "block-size");

    private GptqSpeedBench() {
    }

    public static void main(String[] args) {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        List<String> shapes = arguments.list("shapes", List.of("2048x5632", "5632x2048"));
        int runs = arguments.positiveInt("runs", 3);
        int tokens = arguments.positiveInt("tokens", 2048);
        int blockSize = arguments.positiveInt("block-size", 32);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "GPTQ, 4-bit, block %d, float16 scales, ONNX Runtime GEMM, %d processors, "
                + "%d calibration rows; load average %.2f%n", blockSize, Runtime.getRuntime().availableProcessors(), tokens,
                os.getSystemLoadAverage());
        try (OrtMatrixProducts ort = new OrtMatrixProducts(ExecutionProvider.CPU)) {
            TimedProducts products = new TimedProducts(ort, os);
            for (String shape : shapes) {
                String[] parts = shape.split("x");
                int k = Integer.parseInt(parts[0]);
                int n = Integer.parseInt(parts[1]);
                double[] h = hessian(k, tokens, products);
                float[] w = weight(k, n);
                float[] decoded = new float[w.length];
                List<double[]> again = new ArrayList<>();
                String digest = "";
                for (int run = 0; run < runs; run++) {
                    WidthQuantizer quantizer = new WidthQuantizer(k, h, products);
                    products.reset();
                    double[] first = timed(os, () -> quantizer.quantize(w, n, 4, blockSize, DataType.FLOAT16_VALUE, decoded));
                    double firstProducts = products.cpu();
                    products.reset();
                    NBitsEncodings.Packed[] packed = new NBitsEncodings.Packed[1];
                    double[] second = timed(os, () -> packed[0] = quantizer.quantize(w, n, 4, blockSize,
                            DataType.FLOAT16_VALUE, decoded));
                    digest = digest(packed[0]);
                    double secondProducts = products.cpu();
                    products.reset();
                    double[] factorization = timed(os, () -> Gptq.factor(h, k, products));
                    double factorProducts = products.cpu();
                    again.add(second);
                    double parameters = (double) k * n;
                    System.out.printf(Locale.ROOT, "%s run %d: with factorization %.2f s (CPU %.2f s, products %.2f s); "
                                    + "factor reused %.2f s (CPU %.2f s, products %.2f s): %.1f M parameters/s, %.1f MB/s "
                                    + "of fp16, %.1f M parameters per CPU-second; factorization alone %.2f s (CPU %.2f s, "
                                    + "products %.2f s); load %.2f%n", shape, run + 1, first[0],
                            first[1], firstProducts, second[0], second[1], secondProducts,
                            parameters / second[0] / 1e6, 2 * parameters / second[0] / 1e6, parameters / second[1] / 1e6,
                            factorization[0], factorization[1], factorProducts, os.getSystemLoadAverage());
                }
                again.sort((a, b) -> Double.compare(a[0], b[0]));
                double[] median = again.get(again.size() / 2);
                System.out.printf(Locale.ROOT, "%s median (factor reused): %.2f s wall, %.2f s CPU, %.1f M parameters/s, "
                        + "%.1f MB/s of fp16; codes, scales and zero points CRC-32 %s%n", shape, median[0], median[1],
                        (double) k * n / median[0] / 1e6, 2.0 * k * n / median[0] / 1e6, digest);
            }
        }
    }

    /**
     * The products of ONNX Runtime, with the process CPU time spent in them: nothing else runs while one does, so it is
     * their cost, ONNX Runtime's threads included.
     */
    private static final class TimedProducts implements MatrixProducts {

        private final OrtMatrixProducts products;
        private final com.sun.management.OperatingSystemMXBean os;
        private long nanos;

        TimedProducts(OrtMatrixProducts products, com.sun.management.OperatingSystemMXBean os) {
            this.products = products;
            this.os = os;
        }

        @Override
        public void multiply(FloatBuffer a, FloatBuffer b, FloatBuffer c, int m, int l, int n) {
            long start = os.getProcessCpuTime();
            products.multiply(a, b, c, m, l, n);
            nanos += os.getProcessCpuTime() - start;
        }

        @Override
        public FloatBuffer allocate(int elements) {
            return products.allocate(elements);
        }

        void reset() {
            nanos = 0;
        }

        double cpu() {
            return nanos / 1e9;
        }
    }

    /** CRC-32 of the codes, scales and zero points: equal results, equal digests. */
    private static String digest(NBitsEncodings.Packed packed) {
        CRC32 crc = new CRC32();
        crc.update(packed.data());
        ByteBuffer scales = ByteBuffer.allocate(packed.scales().length * Float.BYTES);
        scales.asFloatBuffer().put(packed.scales());
        crc.update(scales);
        if (packed.zeroPoints() != null) {
            crc.update(packed.zeroPoints());
        }
        return Long.toHexString(crc.getValue());
    }

    /** {wall seconds, process CPU seconds} of {@code work}. */
    private static double[] timed(com.sun.management.OperatingSystemMXBean os, Runnable work) {
        long cpu = os.getProcessCpuTime();
        long start = System.nanoTime();
        work.run();
        return new double[]{(System.nanoTime() - start) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9};
    }

    /** Row-major {@code [k, n]}: Gaussian of standard deviation 0.02, every 64th row four times larger. */
    private static float[] weight(int k, int n) {
        Random random = new Random(17L * k + n);
        float[] w = new float[Math.multiplyExact(k, n)];
        for (int i = 0; i < k; i++) {
            double sigma = i % 64 == 0 ? 0.08 : 0.02;
            for (int j = 0; j < n; j++) {
                w[i * n + j] = (float) (random.nextGaussian() * sigma);
            }
        }
        return w;
    }

    /** {@code XᵀX} of {@code tokens} rows of 16 shared latent factors plus noise, as one ONNX Runtime product. */
    private static double[] hessian(int k, int tokens, MatrixProducts products) {
        Random random = new Random(k);
        int factors = 16;
        float[] loadings = new float[factors * k];
        for (int i = 0; i < loadings.length; i++) {
            loadings[i] = (float) random.nextGaussian();
        }
        FloatBuffer x = products.allocate(Math.multiplyExact(tokens, k));
        FloatBuffer xt = products.allocate(Math.multiplyExact(tokens, k));
        float[] z = new float[factors];
        for (int r = 0; r < tokens; r++) {
            for (int f = 0; f < factors; f++) {
                z[f] = (float) random.nextGaussian();
            }
            for (int j = 0; j < k; j++) {
                float v = (float) (0.5 * random.nextGaussian());
                for (int f = 0; f < factors; f++) {
                    v += z[f] * loadings[f * k + j];
                }
                v = j % 17 == 0 ? 5 * v : v;
                x.put(r * k + j, v);
                xt.put(j * tokens + r, v);
            }
        }
        FloatBuffer product = products.allocate(Math.multiplyExact(k, k));
        products.multiply(xt, x, product, k, tokens, k);
        double[] h = new double[Math.multiplyExact(k, k)];
        for (int i = 0; i < h.length; i++) {
            h[i] = product.get(i);
        }
        return h;
    }
}
