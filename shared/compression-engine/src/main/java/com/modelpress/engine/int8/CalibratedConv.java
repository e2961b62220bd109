package com.modelpress.engine.int8;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.fp16.Fp16Pass;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.Gptq;
import com.modelpress.engine.int4.MatrixProducts;
import com.modelpress.engine.quant.Int8Channels;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.PatchMoments;
import com.modelpress.engine.quant.Sqnr;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Int8 for a 2-D {@code Conv} weight (and a {@code ConvTranspose} with one tap per output pixel, {@link #roundTransposed})
 * calibrated on the im2col patches the convolution reads
 * ({@link PatchMoments}): each output channel keeps its searched
 * per-channel scale, and its codes are chosen with GPTQ on {@code H = PᵀP} of its convolution group's patches (each
 * tap's rounding error carried onto the taps not yet rounded, so the channel's output on the calibration data moves
 * as little as possible). Then the channel's expected output error {@code (W − Ŵ)·E[p]} is folded into the bias
 * (bias correction, as in data-free quantization: depthwise kernels of 9 taps cannot average their errors away, and
 * a BN-folded CNN's next layer amplifies a shifted mean). A channel keeps plain rounding where that scores better on
 * the same statistics ({@code ΔᵀHΔ} less the part bias correction removes). The code width is a parameter
 * ({@link Width}): int8 per output channel, or 4-bit codes on blocks of taps for the large dense kernels of
 * {@code int4} ({@link Int4Conv}), rounded by the same GPTQ and bias correction.
 *
 * <p>Stateless; thread-safe.
 */
final class CalibratedConv {

    private CalibratedConv() {
    }

    /**
     * True when the weight is the 2-D kernel of exactly one {@code Conv}, or of one {@code ConvTranspose} whose kernel
     * equals its stride (no pads, dilations, output padding or groups: each output pixel reads one input pixel through
     * one tap, as in upsampling heads), read as stored.
     */
    static boolean applies(Weight weight) {
        if (weight.escapes() || weight.cast() != null || weight.uses().size() != 1 || weight.tensor().getDimsCount() != 4
                || weight.valueType() != DataType.FLOAT_VALUE || weight.uses().getFirst().transposed()) {
            return false;
        }
        return weight.onlyUsedAs("Conv", 1) || (weight.onlyUsedAs("ConvTranspose", 1) && tapPerPixel(weight));
    }

    private static boolean tapPerPixel(Weight weight) {
        NodeProto node = weight.uses().getFirst().node();
        long[] dims = weight.dims();
        List<Long> strides = ints(node, "strides");
        return Nodes.intAttribute(node, "group", 1) == 1
                && strides.equals(List.of(dims[2], dims[3]))
                && ints(node, "pads").stream().allMatch(p -> p == 0)
                && ints(node, "dilations").stream().allMatch(d -> d == 1)
                && ints(node, "output_padding").stream().allMatch(p -> p == 0)
                && ints(node, "output_shape").isEmpty()
                && List.of("", "NOTSET").contains(string(node, "auto_pad"));
    }

    /** An INTS attribute's values; empty when absent. */
    private static List<Long> ints(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .map(a -> List.copyOf(a.getIntsList())).orElse(List.of());
    }

    /** A STRING attribute's value; empty when absent. */
    private static String string(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .map(a -> a.getS().toStringUtf8()).orElse("");
    }

    private static boolean transposed(Weight weight) {
        return weight.uses().getFirst().node().getOpType().equals("ConvTranspose");
    }

    /** The output of the weight's convolution, by which its patch statistics are found. */
    static String conv(Weight weight) {
        return weight.uses().getFirst().node().getOutput(0);
    }

    /** Bytes the patch statistics of the weight's convolution take ({@code 8·groups·K²}); requires {@link #applies}. */
    static long statisticsBytes(Weight weight) {
        long[] dims = weight.dims();
        if (transposed(weight)) {
            return 8 * dims[0] * dims[0];
        }
        long features = dims[1] * dims[2] * dims[3];
        return 8 * Nodes.intAttribute(weight.uses().getFirst().node(), "group", 1) * features * features;
    }

    /**
     * The kernel rounded per output channel, with GPTQ and bias correction where {@code moment} fits it, and with an
     * inference-mode {@code BatchNormalization} that alone reads the convolution folded in first ({@link BatchNormFold}).
     *
     * @param moment the patch statistics of the weight's convolution, nullable; empty result when there are none that
     *               fit its shape and there is no normalization to fold (plain per-channel rounding is then the same)
     */
    static Optional<TensorReport> encode(Weight weight, float[] values, PatchMoments moment, RewriteScope scope,
                                         String method) {
        return encode(weight, values, moment, scope, method, Width.INT8);
    }

    /**
     * The width of a kernel's codes: int8 with one scale per output channel, or 4-bit ({@link Int4Conv}, a dense
     * {@code Conv} only) with one scale per {@code block} taps of an output channel (per channel when 0 or when the
     * block does not divide its taps).
     *
     * @param minOutputSqnr the least {@link #outputSqnr} the codes must keep
     */
    record Width(int bits, int block, double minOutputSqnr) {
        static final Width INT8 = new Width(8, 0, Double.NEGATIVE_INFINITY);
    }

    /**
     * As {@link #encode(Weight, float[], PatchMoments, RewriteScope, String)} in codes of {@code width}; 4-bit codes
     * only with statistics that fit, and only where the convolution's output keeps {@link Width#minOutputSqnr} on
     * them ({@link #outputSqnr}); empty otherwise.
     */
    static Optional<TensorReport> encode(Weight weight, float[] values, PatchMoments moment, RewriteScope scope,
                                         String method, Width width) {
        long[] dims = weight.dims();
        boolean transposed = transposed(weight);
        boolean nibbles = width.bits() == 4 && !transposed;
        int axis = transposed ? 1 : 0;
        int channels = Math.toIntExact(dims[axis]);
        int features = Math.toIntExact(transposed ? dims[0] : dims[1] * dims[2] * dims[3]);
        boolean fits = moment != null && moment.features() == features && moment.groups() >= 1
                && channels % moment.groups() == 0 && moment.sums() != null && moment.rows() >= features
                && (!transposed || moment.groups() == 1);
        Optional<BatchNormFold> fold = transposed ? Optional.empty() : BatchNormFold.find(weight, scope, channels);
        if (!fits && (fold.isEmpty() || nibbles)) {
            return Optional.empty();
        }
        float[] kernel = fold.map(f -> f.scale(values)).orElse(values);
        Optional<Coded> found = nibbles ? nibbles(kernel, channels, features, width, moment)
                : Optional.of(int8(kernel, dims, axis, fits, transposed, moment));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Coded coded = found.get();
        Weight.Use use = weight.uses().getFirst();
        NodeProto conv = use.node();
        float[] bias = fold.isPresent() ? null : conv.getInputCount() > 2 && !conv.getInput(2).isEmpty()
                ? scope.initializerFloats(conv.getInput(2)) : new float[channels];
        // without statistics only a folded normalization changes the bias
        boolean corrected = fold.isPresent() || (fits && bias != null && bias.length == channels);

        Int8Encodings.ChannelDecode decode = coded.decode(weight, axis, scope);
        String encoding = decode.encoding() + (!fits ? "" : transposed ? " GPTQ on input channels" : " GPTQ on im2col patches");
        long stored = decode.storedBytes();
        if (corrected) {
            double[] before = fold.map(BatchNormFold::bias).orElseGet(() -> IntStream.range(0, channels)
                    .mapToDouble(o -> bias[o]).toArray());
            float[] shifted = shiftedBias(before, coded.rounded().biasShift());
            stored += replaceConv(weight, decode, shifted, fits, fold, scope);
            if (fold.isPresent()) {
                encoding += ", BatchNormalization folded";
            }
            if (fits) {
                encoding += ", bias corrected";
            }
        } else {
            scope.encode(weight, decode.initializers(), decode.nodes());
        }
        return Optional.of(new TensorReport(weight.name(), method, encoding, width.bits(), coded.block(), values.length,
                weight.storedBytes(), stored, Sqnr.decibels(kernel, coded.rounded().decoded()), null));
    }

    /**
     * A kernel's codes and scales: the arithmetic, no graph.
     *
     * @param block nullable: taps per scale of 4-bit codes; null for int8 per output channel
     */
    private record Coded(Rounded rounded, float[] scales, Integer block) {

        /** The initializers and nodes that decode the codes into the weight's name. */
        Int8Encodings.ChannelDecode decode(Weight weight, int axis, RewriteScope scope) {
            return block != null ? Int4Conv.decode(weight, rounded.codes(), scales, block, scope)
                    : Int8Encodings.channelDecode(weight, new Int8Channels(rounded.codes(), scales, rounded.decoded()),
                    axis, scope);
        }
    }

    /** 4-bit codes on blocks of taps, GPTQ on the patches; empty where the output falls under {@code width}'s SQNR floor. */
    private static Optional<Coded> nibbles(float[] kernel, int channels, int features, Width width, PatchMoments moment) {
        int block = Int4Conv.block(features, width.block());
        Grid plain = Int4Conv.grid(kernel, channels, features, block);
        Rounded rounded = round(kernel, channels, features, moment.groups(), plain, moment);
        double sqnr = outputSqnr(kernel, rounded.decoded(), channels, features, moment);
        if (sqnr < width.minOutputSqnr()) {
            return Optional.empty();
        }
        return Optional.of(new Coded(rounded, plain.scales(), block));
    }

    /** Int8 per output channel: GPTQ where {@code fits} (on input channels for a transposed kernel), else plain rounding. */
    private static Coded int8(float[] kernel, long[] dims, int axis, boolean fits, boolean transposed, PatchMoments moment) {
        int channels = Math.toIntExact(dims[axis]);
        int features = Math.toIntExact(transposed ? dims[0] : dims[1] * dims[2] * dims[3]);
        Int8Channels plain = Int8Channels.quantize(kernel, dims, axis);
        Rounded rounded = !fits ? new Rounded(plain.values(), plain.decoded(), new double[channels])
                : transposed ? roundTransposed(kernel, features, channels, Math.toIntExact(dims[2] * dims[3]), plain, moment)
                : round(kernel, channels, features, moment.groups(), Grid.of(plain, features), moment);
        return new Coded(rounded, plain.scales(), null);
    }

    /** The bias plus each channel's expected output error. */
    private static float[] shiftedBias(double[] bias, double[] biasShift) {
        float[] shifted = new float[biasShift.length];
        for (int o = 0; o < shifted.length; o++) {
            shifted[o] = (float) (bias[o] + biasShift[o]);
        }
        return shifted;
    }

    /**
     * The graph surgery of a corrected kernel: its decode, and the convolution reading the {@code shifted} bias (in place
     * of the one it read, dropped where nothing else reads it); with a folded normalization, the convolution writes the
     * normalization's output and the normalization goes. The bias is float16 behind a {@code Cast} where
     * {@link Fp16Pass#half} finds that saves bytes and keeps it.
     *
     * @return the bytes the new bias adds to the model: its own, less those of the float32 bias it replaces
     */
    private static long replaceConv(Weight weight, Int8Encodings.ChannelDecode decode, float[] shifted, boolean fits,
                                    Optional<BatchNormFold> fold, RewriteScope scope) {
        Weight.Use use = weight.uses().getFirst();
        NodeProto conv = use.node();
        String name = scope.fresh(conv.getOutput(0) + (fits ? "_corrected_bias" : "_folded_bias"));
        long[] dims = {shifted.length};
        Optional<Fp16Pass.Half> half = Fp16Pass.half(name, dims, shifted, scope);
        TensorProto biasTensor = half.map(Fp16Pass.Half::tensor).orElseGet(() -> Nodes.tensor(name, DataType.FLOAT_VALUE,
                dims, ByteString.copyFrom(TensorCodec.toFloatBytes(shifted))));
        String biasInput = half.map(h -> h.cast().getOutput(0)).orElse(name);
        long added = (half.isPresent() ? 2L : 4L) * shifted.length;
        NodeProto.Builder replaced = conv.toBuilder();
        if (conv.getInputCount() > 2) {
            if (scope.dropInitializerOnlyReadBy(conv.getInput(2), use.nodeIndex())) {
                added -= 4L * shifted.length;
            }
            replaced.setInput(2, biasInput);
        } else {
            replaced.addInput(biasInput);
        }
        Map<Integer, List<NodeProto>> replacements = new java.util.HashMap<>();
        if (fold.isPresent()) {
            fold.get().dropParameters(scope);
            replaced.setOutput(0, fold.get().output());
            replacements.put(fold.get().node(), List.of());
        }
        List<TensorProto> initializers = new ArrayList<>(decode.initializers());
        initializers.add(biasTensor);
        List<NodeProto> nodes = new ArrayList<>(decode.nodes());
        half.ifPresent(h -> nodes.add(h.cast()));
        nodes.add(replaced.build());
        replacements.put(use.nodeIndex(), nodes);
        scope.replaceConsumers(weight, initializers, replacements);
        return added;
    }

    /**
     * A {@code ConvTranspose} kernel {@code [C, M, kH, kW]} whose taps each reach their own output pixels: per output
     * channel {@code o} and tap {@code t} the column {@code W[:, o, t]} meets the input's channel vectors, so GPTQ runs
     * on it with {@code H = XᵀX} of the input channels; the channel's bias takes the mean over its taps of
     * {@code (W − Ŵ)[:, o, t]·E[x]} (each output pixel gets one tap, so that is the mean output error). The better of it
     * and plain rounding per output channel, by {@code Σ_t ΔₜᵀHΔₜ − rows·T·b²}.
     */
    static Rounded roundTransposed(float[] w, int inputs, int channels, int taps, Int8Channels plain,
                                   PatchMoments moment) {
        byte[] codes = plain.values().clone();
        float[] decoded = plain.decoded().clone();
        double[] shift = new double[channels];
        double[] h = moment.xtx();
        double rows = moment.rows();
        double[] mean = new double[inputs];
        for (int i = 0; i < inputs; i++) {
            mean[i] = moment.sums()[i] / rows;
        }
        Gptq.Factor factor;
        try {
            factor = Gptq.factor(h, inputs, MatrixProducts.JAVA);
        } catch (ArithmeticException e) {
            factor = null;
        }
        Gptq.Factor f = factor;
        IntStream.range(0, channels).parallel().forEach(o -> {
            float scale = plain.scales()[o];
            float[][] original = new float[taps][inputs];
            float[][] rounded = new float[taps][inputs];
            float[][] candidate = new float[taps][inputs];
            byte[][] candidateCodes = new byte[taps][inputs];
            for (int t = 0; t < taps; t++) {
                for (int c = 0; c < inputs; c++) {
                    int at = (c * channels + o) * taps + t;
                    original[t][c] = w[at];
                    rounded[t][c] = decoded[at];
                }
                if (f != null) {
                    compensate(original[t], 0, inputs, new Grid(null, null, new float[]{scale}, inputs, -127, 127), f,
                            candidate[t], candidateCodes[t]);
                }
            }
            double plainError = tapsError(original, rounded, h, mean, rows);
            boolean gptq = f != null && tapsError(original, candidate, h, mean, rows) < plainError;
            double sum = 0;
            for (int t = 0; t < taps; t++) {
                for (int c = 0; c < inputs; c++) {
                    int at = (c * channels + o) * taps + t;
                    if (gptq) {
                        decoded[at] = candidate[t][c];
                        codes[at] = candidateCodes[t][c];
                    }
                    sum += mean[c] * (w[at] - decoded[at]);
                }
            }
            shift[o] = sum / taps;
        });
        return new Rounded(codes, decoded, shift);
    }

    /**
     * The SQNR of the convolution's output on the calibration patches, about each channel's mean and once biases are
     * corrected: {@code Σₒ (wₒᵀHwₒ − rows·(wₒ·μ)²) / Σₒ (ΔₒᵀHΔₒ − rows·(Δₒ·μ)²)}, {@code H} and {@code μ} of each
     * channel's group.
     */
    static double outputSqnr(float[] w, float[] decoded, int channels, int features, PatchMoments moment) {
        int perGroup = channels / moment.groups();
        double rows = moment.rows();
        double[] signal = new double[channels];
        double[] error = new double[channels];
        double[][] hessians = new double[moment.groups()][];
        double[][] means = new double[moment.groups()][features];
        for (int g = 0; g < hessians.length; g++) {
            hessians[g] = java.util.Arrays.copyOfRange(moment.xtx(), g * features * features, (g + 1) * features * features);
            for (int i = 0; i < features; i++) {
                means[g][i] = moment.sums()[g * features + i] / rows;
            }
        }
        IntStream.range(0, channels).parallel().forEach(o -> {
            int g = o / perGroup;
            double[] weights = new double[features];
            for (int i = 0; i < features; i++) {
                weights[i] = w[o * features + i];
            }
            double mean = 0;
            for (int i = 0; i < features; i++) {
                mean += weights[i] * means[g][i];
            }
            signal[o] = quadratic(weights, hessians[g]) - rows * mean * mean;
            error[o] = outputError(w, o * features, decoded, o * features, features, hessians[g], means[g], rows);
        });
        return 10 * Math.log10(java.util.Arrays.stream(signal).sum() / Math.max(1e-300, java.util.Arrays.stream(error).sum()));
    }

    /** One output channel's squared error over all its taps once its bias is corrected by the mean over taps. */
    private static double tapsError(float[][] original, float[][] decoded, double[] h, double[] mean, double rows) {
        double error = 0;
        double shift = 0;
        for (int t = 0; t < original.length; t++) {
            double[] delta = new double[mean.length];
            for (int c = 0; c < delta.length; c++) {
                delta[c] = original[t][c] - decoded[t][c];
                shift += delta[c] * mean[c];
            }
            error += quadratic(delta, h);
        }
        shift /= original.length;
        return error - rows * original.length * shift * shift;
    }

    private static double quadratic(double[] delta, double[] h) {
        int n = delta.length;
        double error = 0;
        for (int i = 0; i < n; i++) {
            double row = 0;
            for (int j = 0; j < n; j++) {
                row += h[i * n + j] * delta[j];
            }
            error += delta[i] * row;
        }
        return error;
    }

    /**
     * @param codes       codes (int8, or 4-bit in a byte each), the weight's layout
     * @param decoded     codes × scale
     * @param biasShift   per output channel, {@code (W − Ŵ)·E[p]}
     */
    record Rounded(byte[] codes, float[] decoded, double[] biasShift) {}

    /**
     * Plain rounding of a kernel {@code [channels, features]}: codes in {@code [min, max]} on one scale per
     * {@code block} consecutive taps of a channel ({@code scales[i / block]} for element {@code i}).
     */
    record Grid(byte[] codes, float[] decoded, float[] scales, int block, int min, int max) {

        /** Int8 per output channel. */
        static Grid of(Int8Channels plain, int features) {
            return new Grid(plain.values(), plain.decoded(), plain.scales(), features, -127, 127);
        }
    }

    /** GPTQ per output channel on its group's patch Hessian, the better of it and plain rounding per channel. */
    static Rounded round(float[] w, int channels, int features, int groups, Grid plain, PatchMoments moment) {
        int perGroup = channels / groups;
        byte[] codes = plain.codes().clone();
        float[] decoded = plain.decoded().clone();
        double[] shift = new double[channels];
        double[] xtx = moment.xtx();
        double rows = moment.rows();
        for (int g = 0; g < groups; g++) {
            double[] h = java.util.Arrays.copyOfRange(xtx, g * features * features, (g + 1) * features * features);
            double[] mean = new double[features];
            for (int i = 0; i < features; i++) {
                mean[i] = moment.sums()[g * features + i] / rows;
            }
            Gptq.Factor factor;
            try {
                factor = Gptq.factor(h, features, MatrixProducts.JAVA);
            } catch (ArithmeticException e) {
                factor = null; // NaN or infinite sums: plain rounding, corrected by the mean only
            }
            Gptq.Factor f = factor;
            int group = g;
            IntStream.range(group * perGroup, (group + 1) * perGroup).parallel().forEach(o -> {
                int base = o * features;
                float[] candidate = new float[features];
                byte[] candidateCodes = new byte[features];
                if (f != null) {
                    compensate(w, base, features, plain, f, candidate, candidateCodes);
                }
                double plainError = outputError(w, base, decoded, base, features, h, mean, rows);
                double gptqError = f == null ? Double.MAX_VALUE : outputError(w, base, candidate, 0, features, h, mean, rows);
                if (gptqError < plainError) {
                    System.arraycopy(candidate, 0, decoded, base, features);
                    System.arraycopy(candidateCodes, 0, codes, base, features);
                }
                double s = 0;
                for (int i = 0; i < features; i++) {
                    s += mean[i] * (w[base + i] - decoded[base + i]);
                }
                shift[o] = s;
            });
        }
        return new Rounded(codes, decoded, shift);
    }

    /**
     * One channel's codes in tap order, each tap rounded from its value plus the carried errors of the taps before it
     * ({@code x̃ᵢ = wᵢ + Σ_{j<i} c_ij·(wⱼ − q̂ⱼ)}, the coefficients of {@link Gptq#factor}), on the grid's scale of
     * element {@code base + i} and within its code range.
     */
    private static void compensate(float[] w, int base, int features, Grid grid, Gptq.Factor factor, float[] decoded,
                                   byte[] codes) {
        float[] c = factor.coefficients();
        double[] errors = new double[features];
        for (int i = 0; i < features; i++) {
            double x = w[base + i];
            if (!factor.dead()[i]) {
                int row = i * features;
                for (int j = 0; j < i; j++) {
                    x += c[row + j] * errors[j];
                }
            }
            float scale = grid.scales()[(base + i) / grid.block()];
            int q = (int) Math.max(grid.min(), Math.min(grid.max(), Math.rint(x / scale)));
            codes[i] = (byte) q;
            decoded[i] = q * scale;
            errors[i] = factor.dead()[i] ? 0 : w[base + i] - decoded[i];
        }
    }

    /**
     * The channel's squared output error summed over the calibration patches once its bias is corrected:
     * {@code ΔᵀHΔ − rows·(Δ·μ)²}.
     */
    private static double outputError(float[] w, int base, float[] decoded, int from, int features, double[] h,
                                      double[] mean, double rows) {
        double[] delta = new double[features];
        double shift = 0;
        for (int i = 0; i < features; i++) {
            delta[i] = w[base + i] - decoded[from + i];
            shift += delta[i] * mean[i];
        }
        return quadratic(delta, h) - rows * shift * shift;
    }
}
