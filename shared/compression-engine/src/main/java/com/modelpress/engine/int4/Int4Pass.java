package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int8.Int4Conv;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.NBitsEncodings;
import com.modelpress.engine.quant.PatchMoments;
import com.modelpress.engine.quant.Sqnr;
import com.modelpress.engine.quant.WeightPass;

import java.util.Map;
import java.util.function.Function;

/**
 * MatMul and Gemm weights become {@code MatMulNBits}, lookup tables of decoder LMs and tables read as float16
 * {@code GatherBlockQuantized} on 4-bit rows, and a table tied to an LM head both, on one stored copy
 * ({@link NBitsEncodings}); scales are stored in float16 where they fit, also in float32 graphs (behind a {@code Cast},
 * {@link NBitsEncodings#scaleType}). Float32 lookup tables of other models (encoders), and tables those kernels cannot
 * serve, use the engine's own 4-bit decode ({@link GatherInt4}); large dense Conv kernels take 4-bit codes decoded in
 * the graph ({@link Int4Conv}), other Conv kernels and weights with a known output channel int8. Not thread-safe: remembers the last Hessian it factored; one instance per compression.
 */
public final class Int4Pass implements WeightPass {

    /**
     * The shortest block of a lookup table that only {@code GatherBlockQuantized} reads (not tied to a product): a
     * looked-up row enters the residual stream once, where a product's weight error adds up over K, so tables take
     * longer blocks than the products. Measured on tinylm fp16 (embedding and head in 4 bits, GPTQ elsewhere, 24
     * windows of 128 tokens of eval.txt): table blocks of 32 / 64 / 128 gave 0.303 / 0.299 / 0.297 of the file at
     * KL mean 0.00366 / 0.00391 / 0.00415; 64 is the shortest under 0.30 of the file.
     */
    public static final int MIN_TABLE_BLOCK_SIZE = 64;

    private final int blockSize;
    private final boolean symmetric;
    private final String rounding;
    private final Function<String, double[]> inputMoments;
    private final MatrixProducts products;
    /** The last Hessian factored, by identity: the q/k/v (or gate/up) weights reading one input share it. */
    private java.lang.ref.WeakReference<double[]> factoredMoments = new java.lang.ref.WeakReference<>(null);
    private Gptq.Factor factor;
    private Function<String, PatchMoments> convPatches = name -> null;

    /**
     * @param inputMoments {@code XᵀX} of calibration activations by tensor name (row-major {@code [K, K]}); a
     *                     MatMul whose input has an entry is quantized with {@link Gptq}, others with
     *                     {@link BlockQuantizer}. Empty for calibration-free compression.
     */
    public Int4Pass(int blockSize, boolean symmetric, Map<String, double[]> inputMoments) {
        this(blockSize, symmetric, "gptq", inputMoments);
    }

    /** @param rounding {@code gptq}, {@code aware}, {@code search} or {@code rtn} (see CompressionOptions) */
    public Int4Pass(int blockSize, boolean symmetric, String rounding, Map<String, double[]> inputMoments) {
        this(blockSize, symmetric, rounding, Map.copyOf(inputMoments)::get, MatrixProducts.JAVA);
    }

    /**
     * @param inputMoments {@code XᵀX} by activation name (row-major {@code [K, K]}), null when not calibrated;
     *                     asked once per weight in visiting order (calibration in groups can compute them on
     *                     demand), never modified
     * @param products     the matrix products GPTQ runs on
     */
    public Int4Pass(int blockSize, boolean symmetric, String rounding, Function<String, double[]> inputMoments,
                    MatrixProducts products) {
        this.blockSize = blockSize;
        this.symmetric = symmetric;
        this.rounding = rounding;
        this.inputMoments = inputMoments;
        this.products = products;
    }

    /**
     * Conv kernels are rounded on these im2col patch statistics (by convolution output, null where absent): large
     * dense kernels in 4-bit codes ({@link Int4Conv}), the rest int8 as {@link Int8Pass} rounds them.
     */
    public Int4Pass calibratingConvs(Function<String, PatchMoments> patches) {
        this.convPatches = patches;
        return this;
    }

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        if (scope.usesAvailable(weight) && Int8Pass.calibrates(weight)) {
            PatchMoments patches = convPatches.apply(Int8Pass.convOutput(weight));
            return Int4Conv.encode(weight, values, patches, scope, blockSize)
                    .orElseGet(() -> new Int8Pass(name -> patches).apply(weight, values, scope));
        }
        if (scope.usesAvailable(weight)) {
            boolean table = Int8Encodings.isGatherTable(weight);
            boolean tied = MatMulWeights.isTiedTable(weight);
            if (table && weight.valueType() == DataType.FLOAT_VALUE && !scope.decoderLm()
                    && GatherInt4.supports(weight, blockSize, scope)) {
                // float32 tables of encoders keep the engine's own decode: its free float offset per block measured
                // better than GatherBlockQuantized's integer zero point on MiniLM (cosine 0.9892 at 16.1 % against
                // 0.9881 at 16.3 %); a decoder's table takes GatherBlockQuantized's longer blocks and float16 scales,
                // the layout measured on tinylm (see MIN_TABLE_BLOCK_SIZE)
                return GatherInt4.encode(weight, values, blockSize, rounding.equals("rtn"), scope);
            }
            if (table || tied || MatMulWeights.isRightHandSide(weight)) {
                MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
                if (NBitsEncodings.supports(weight, matrix.k(), blockSize)) {
                    return blocks(weight, matrix, table, scope);
                }
                if (tied) {
                    return WeightPass.kept(weight, "tied table: its rows are not a whole number of %d-element blocks"
                            .formatted(blockSize));
                }
                if (GatherInt4.supports(weight, blockSize, scope)) {
                    return GatherInt4.encode(weight, values, blockSize, rounding.equals("rtn"), scope);
                }
                return Int8Encodings.gatherRows(weight, values, scope, "int8");
            }
        }
        return Int8Encodings.perChannel(weight, values, scope, "int8");
    }

    /**
     * 4-bit blocks along K behind MatMulNBits and GatherBlockQuantized, scales in float16 where they fit
     * ({@link NBitsEncodings#scaleType}). Lookup tables have no calibration activations: their blocks are searched
     * without them.
     */
    private TensorReport blocks(Weight weight, MatMulWeights.Matrix matrix, boolean table, RewriteScope scope) {
        int k = matrix.k();
        int n = matrix.n();
        int blockSize = table && !MatMulWeights.isTiedTable(weight) ? tableBlockSize(k) : this.blockSize;
        float[] w = matrix.values();
        NBitsEncodings.ScaleStorage storage = NBitsEncodings.scaleType(weight.valueType(), w, k, n, blockSize, 4,
                scope.opset());
        int scaleType = storage.type();
        float[] decoded = new float[w.length];
        double[] moments = table || rounding.equals("rtn") || rounding.equals("search") ? null
                : WidthQuantizer.activationMoments(weight, k, inputMoments);
        MatMulNBitsWeights packed;
        String how;
        if (rounding.equals("rtn")) {
            packed = BlockQuantizer.quantize(w, k, n, blockSize, symmetric, true, null, scaleType, decoded);
            how = " RTN";
        } else if (moments != null && rounding.equals("gptq")) {
            if (moments != factoredMoments.get()) {
                factor = null;
                factor = Gptq.factor(moments, k, products);
                factoredMoments = new java.lang.ref.WeakReference<>(moments);
            }
            packed = Gptq.quantize(w, k, n, blockSize, symmetric, factor, scaleType, decoded, products);
            how = " GPTQ";
        } else if (moments != null) {
            double[] importance = new double[k];
            for (int i = 0; i < k; i++) {
                importance[i] = moments[i * k + i];
            }
            packed = BlockQuantizer.quantize(w, k, n, blockSize, symmetric, false, importance, scaleType, decoded);
            how = " activation-aware";
        } else {
            packed = BlockQuantizer.quantize(w, k, n, blockSize, symmetric, false, null, scaleType, decoded);
            how = "";
        }
        NBitsEncodings.Packed nbits = new NBitsEncodings.Packed(4, blockSize, k, n, packed.packed(), packed.scales(),
                packed.zeroPoints(), scaleType);
        String encoding = NBitsEncodings.replace(weight, nbits, scope) + how + storage.describe();
        scope.decoded(weight, MatMulWeights.inWeightLayout(weight, NBitsEncodings.asLookedUp(weight, nbits, decoded)));
        return new TensorReport(weight.name(), "int4", encoding, 4, blockSize, w.length, weight.storedBytes(),
                nbits.storedBytes(), Sqnr.decibels(w, decoded), null);
    }

    /** At least {@link #MIN_TABLE_BLOCK_SIZE}, and a whole number of blocks per row; else the products' block size. */
    private int tableBlockSize(int rowLength) {
        int longer = Math.max(blockSize, MIN_TABLE_BLOCK_SIZE);
        return rowLength % longer == 0 ? longer : blockSize;
    }
}
