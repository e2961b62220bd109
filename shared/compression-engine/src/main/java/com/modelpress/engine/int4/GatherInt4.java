package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Sqnr;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A lookup table {@code [V, D]} stored as 4-bit codes with a float16 scale and offset per block of each row:
 * {@code x ≈ q·s + m}, {@code q ∈ [0, 15]}. Row {@code v}'s byte {@code j} holds element {@code j} in its low
 * nibble and element {@code j + D/2} in its high nibble, so decoding needs only standard ops (Gather, Cast,
 * Floor, Sub, Concat, Reshape — opset 11) and touches just the looked-up rows; a table read as float16 or bfloat16
 * is decoded in float32 and cast. The fallback for tables {@code GatherBlockQuantized} cannot decode. The offset is a free float,
 * not an integer zero point, which fits skewed rows better.
 *
 * <p>Stateless.
 */
final class GatherInt4 {

    private static final int SHRINK_STEPS = 12;
    private static final float SHRINK_STEP = 0.025f;

    private GatherInt4() {
    }

    static boolean supports(Weight weight, int blockSize, RewriteScope scope) {
        long d = weight.dims()[1];
        return scope.opset() >= 11 && d % blockSize == 0 && d % 2 == 0;
    }

    static TensorReport encode(Weight weight, float[] values, int blockSize, RewriteScope scope) {
        return encode(weight, values, blockSize, false, scope);
    }

    /** @param roundToNearest each block's plain min/max range instead of the searched one (rounding {@code rtn}) */
    static TensorReport encode(Weight weight, float[] values, int blockSize, boolean roundToNearest, RewriteScope scope) {
        int v = Math.toIntExact(weight.dims()[0]);
        int d = Math.toIntExact(weight.dims()[1]);
        int blocks = d / blockSize;
        int half = d / 2;
        byte[] packed = new byte[v * half];
        float[] scales = new float[v * blocks];
        float[] offsets = new float[v * blocks];
        float[] decoded = new float[values.length];
        // rows are independent and write disjoint bytes: quantize them in parallel
        IntStream.range(0, v).parallel().forEach(row -> {
            int[] codes = new int[d];
            float[] block = new float[blockSize];
            for (int b = 0; b < blocks; b++) {
                int start = row * d + b * blockSize;
                System.arraycopy(values, start, block, 0, blockSize);
                float[] fit = roundToNearest ? minMax(block) : fit(block);
                float scale = fit[0];
                float offset = fit[1];
                scales[row * blocks + b] = scale;
                offsets[row * blocks + b] = offset;
                for (int j = 0; j < blockSize; j++) {
                    int q = code(block[j], scale, offset);
                    codes[b * blockSize + j] = q;
                    decoded[start + j] = q * scale + offset;
                }
            }
            for (int j = 0; j < half; j++) {
                packed[row * half + j] = (byte) (codes[j] | (codes[j + half] << 4));
            }
        });
        String base = weight.name();
        String table = scope.fresh(base + "_q4");
        String scaleName = scope.fresh(base + "_block_scale");
        String offsetName = scope.fresh(base + "_block_offset");
        String sixteenth = scope.fresh(base + "_one_sixteenth");
        String sixteen = scope.fresh(base + "_sixteen");
        String blockShape = scope.fresh(base + "_block_shape");
        String paramShape = scope.fresh(base + "_param_shape");
        String width = scope.fresh(base + "_width");
        List<TensorProto> initializers = List.of(
                Nodes.tensor(table, DataType.UINT8_VALUE, new long[]{v, half}, scope.store(packed)),
                Nodes.tensor(scaleName, DataType.FLOAT16_VALUE, new long[]{v, blocks}, scope.store(TensorCodec.toFloat16Bytes(scales))),
                Nodes.tensor(offsetName, DataType.FLOAT16_VALUE, new long[]{v, blocks}, scope.store(TensorCodec.toFloat16Bytes(offsets))),
                Nodes.floatScalar(sixteenth, 1f / 16f),
                Nodes.floatScalar(sixteen, 16f),
                Nodes.int64Tensor(blockShape, new long[]{3}, -1, blocks, blockSize),
                Nodes.int64Tensor(paramShape, new long[]{3}, -1, blocks, 1),
                Nodes.int64Tensor(width, new long[]{1}, d));
        int valueType = weight.valueType();
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        for (Weight.Use use : weight.uses()) {
            NodeProto gather = use.node();
            String ids = gather.getInput(1);
            String out = gather.getOutput(0);
            String n = gather.getName().isEmpty() ? out : gather.getName();
            String bytes = scope.fresh(out + "_q4"), asFloat = scope.fresh(out + "_q4_float");
            String high = scope.fresh(out + "_high"), highFloor = scope.fresh(out + "_high_floor");
            String highShifted = scope.fresh(out + "_high_shifted"), low = scope.fresh(out + "_low");
            String codesName = scope.fresh(out + "_codes"), codeBlocks = scope.fresh(out + "_code_blocks");
            String s16 = scope.fresh(out + "_scale16"), s32 = scope.fresh(out + "_scale"), sBlocks = scope.fresh(out + "_scale_blocks");
            String o16 = scope.fresh(out + "_offset16"), o32 = scope.fresh(out + "_offset"), oBlocks = scope.fresh(out + "_offset_blocks");
            String scaled = scope.fresh(out + "_scaled"), shifted = scope.fresh(out + "_shifted");
            String idsShape = scope.fresh(out + "_ids_shape"), outShape = scope.fresh(out + "_shape");
            replacements.put(use.nodeIndex(), List.of(
                    Nodes.node("Gather", scope.fresh(n + "_q4_rows"), List.of(table, ids), List.of(bytes), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Cast", scope.fresh(n + "_q4_cast"), List.of(bytes), List.of(asFloat), Nodes.intAttribute("to", DataType.FLOAT_VALUE)),
                    Nodes.node("Mul", scope.fresh(n + "_high_div"), List.of(asFloat, sixteenth), List.of(high)),
                    Nodes.node("Floor", scope.fresh(n + "_high_floor"), List.of(high), List.of(highFloor)),
                    Nodes.node("Mul", scope.fresh(n + "_high_mul"), List.of(highFloor, sixteen), List.of(highShifted)),
                    Nodes.node("Sub", scope.fresh(n + "_low"), List.of(asFloat, highShifted), List.of(low)),
                    Nodes.node("Concat", scope.fresh(n + "_codes"), List.of(low, highFloor), List.of(codesName), Nodes.intAttribute("axis", -1)),
                    Nodes.node("Reshape", scope.fresh(n + "_code_blocks"), List.of(codesName, blockShape), List.of(codeBlocks)),
                    Nodes.node("Gather", scope.fresh(n + "_scale_rows"), List.of(scaleName, ids), List.of(s16), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Cast", scope.fresh(n + "_scale_cast"), List.of(s16), List.of(s32), Nodes.intAttribute("to", DataType.FLOAT_VALUE)),
                    Nodes.node("Reshape", scope.fresh(n + "_scale_blocks"), List.of(s32, paramShape), List.of(sBlocks)),
                    Nodes.node("Gather", scope.fresh(n + "_offset_rows"), List.of(offsetName, ids), List.of(o16), Nodes.intAttribute("axis", 0)),
                    Nodes.node("Cast", scope.fresh(n + "_offset_cast"), List.of(o16), List.of(o32), Nodes.intAttribute("to", DataType.FLOAT_VALUE)),
                    Nodes.node("Reshape", scope.fresh(n + "_offset_blocks"), List.of(o32, paramShape), List.of(oBlocks)),
                    Nodes.node("Mul", scope.fresh(n + "_scale_mul"), List.of(codeBlocks, sBlocks), List.of(scaled)),
                    Nodes.node("Add", scope.fresh(n + "_offset_add"), List.of(scaled, oBlocks), List.of(shifted)),
                    Nodes.node("Shape", scope.fresh(n + "_ids_shape"), List.of(ids), List.of(idsShape)),
                    Nodes.node("Concat", scope.fresh(n + "_out_shape"), List.of(idsShape, width), List.of(outShape), Nodes.intAttribute("axis", 0))));
            List<NodeProto> nodes = new java.util.ArrayList<>(replacements.get(use.nodeIndex()));
            if (valueType == DataType.FLOAT_VALUE) {
                nodes.add(Nodes.node("Reshape", scope.fresh(n + "_dequantized"), List.of(shifted, outShape), List.of(out)));
            } else {
                // decoded in float32, handed on in the type the consumers read
                String asValue = scope.fresh(out + "_float");
                nodes.add(Nodes.node("Reshape", scope.fresh(n + "_dequantized"), List.of(shifted, outShape), List.of(asValue)));
                nodes.add(Nodes.node("Cast", scope.fresh(n + "_to_value_type"), List.of(asValue), List.of(out),
                        Nodes.intAttribute("to", valueType)));
            }
            replacements.put(use.nodeIndex(), nodes);
        }
        scope.replaceConsumers(weight, initializers, replacements);
        scope.decoded(weight, decoded);
        long compressed = packed.length + 4L * scales.length;
        return new TensorReport(weight.name(), "int4", "Gather+4-bit rows (fp16 scale/offset)", 4, blockSize,
                values.length, weight.storedBytes(), compressed, Sqnr.decibels(values, decoded), null);
    }

    /** Scale and offset mapping the block's [min, max] onto the 16 codes, both rounded to float16 as stored. */
    static float[] minMax(float[] x) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float value : x) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        return max == min ? new float[]{1f, half(min)} : new float[]{half((max - min) / 15f), half(min)};
    }

    /** Scale and offset for one block, both already rounded to float16 as they will be stored. */
    static float[] fit(float[] x) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float value : x) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        if (max == min) {
            return new float[]{1f, half(min)};
        }
        float bestScale = 0;
        float bestOffset = 0;
        double bestError = Double.MAX_VALUE;
        float mid = (min + max) / 2;
        for (int step = 0; step < SHRINK_STEPS; step++) {
            float shrink = 1f - step * SHRINK_STEP;
            float lo = mid - (mid - min) * shrink;
            float hi = mid + (max - mid) * shrink;
            float[] candidate = {half((hi - lo) / 15f), half(lo)};
            for (int refine = 0; refine < 3; refine++) {
                double error = error(x, candidate[0], candidate[1]);
                if (error < bestError) {
                    bestError = error;
                    bestScale = candidate[0];
                    bestOffset = candidate[1];
                }
                candidate = refit(x, candidate[0], candidate[1]);
                if (candidate == null) {
                    break;
                }
            }
        }
        return new float[]{bestScale, bestOffset};
    }

    /** Least squares for (s, m) given the codes the current (s, m) produce; null when degenerate. */
    private static float[] refit(float[] x, float scale, float offset) {
        int n = x.length;
        double sq = 0, sqq = 0, sx = 0, sqx = 0;
        for (float value : x) {
            int q = code(value, scale, offset);
            sq += q;
            sqq += (double) q * q;
            sx += value;
            sqx += (double) q * value;
        }
        double det = n * sqq - sq * sq;
        if (det == 0) {
            return null;
        }
        double s = (n * sqx - sq * sx) / det;
        double m = (sx - s * sq) / n;
        if (!(s > 0)) {
            return null;
        }
        return new float[]{half((float) s), half((float) m)};
    }

    private static double error(float[] x, float scale, float offset) {
        double sum = 0;
        for (float value : x) {
            double e = value - (code(value, scale, offset) * (double) scale + offset);
            sum += e * e;
        }
        return sum;
    }

    static int code(float x, float scale, float offset) {
        if (scale == 0) {
            return 0;
        }
        return (int) Math.max(0, Math.min(15, Math.rint((x - offset) / scale)));
    }

    private static float half(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }
}
