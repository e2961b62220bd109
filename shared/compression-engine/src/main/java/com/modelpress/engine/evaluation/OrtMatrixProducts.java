package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.engine.int4.MatrixProducts;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * Matrix products on ONNX Runtime's execution provider (its tuned GEMM on CPU, cuBLAS on CUDA): a one-node
 * {@code MatMul} session, fed and read through direct buffers without copies. Products too small to repay a run
 * go to {@link MatrixProducts#JAVA}.
 *
 * <p>Not thread-safe: one instance per compression; close it to release the session.
 */
public final class OrtMatrixProducts implements MatrixProducts, AutoCloseable {

    /** Below this many multiply-adds a product stays in Java. */
    private static final long SMALL = 1L << 18;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions options;
    private final OrtSession session;

    /** @param provider where the products run */
    public OrtMatrixProducts(ExecutionProvider provider) {
        try {
            options = new OrtSession.SessionOptions();
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            // products alternate with Java work on the same cores: idle ONNX Runtime threads must not spin
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (provider == ExecutionProvider.CUDA) {
                options.addCUDA(0);
            }
            session = env.createSession(model().toByteArray(), options);
        } catch (OrtException e) {
            throw new UnsupportedModelException("ONNX Runtime cannot run a MatMul: " + e.getMessage(), e);
        }
    }

    @Override
    public void multiply(FloatBuffer a, FloatBuffer b, FloatBuffer c, int m, int l, int n) {
        if ((long) m * l * n < SMALL || !a.isDirect() || !b.isDirect() || !c.isDirect()) {
            MatrixProducts.JAVA.multiply(a, b, c, m, l, n);
            return;
        }
        try (OnnxTensor left = OnnxTensor.createTensor(env, a.slice(a.position(), m * l), new long[]{m, l});
             OnnxTensor right = OnnxTensor.createTensor(env, b.slice(b.position(), l * n), new long[]{l, n});
             OnnxTensor out = OnnxTensor.createTensor(env, c.slice(c.position(), m * n), new long[]{m, n});
             OrtSession.Result _ = session.run(Map.of("A", left, "B", right), Set.of(), Map.of("C", out))) {
            // the result was written into c
        } catch (OrtException e) {
            throw new UnsupportedModelException("ONNX Runtime failed on a %d×%d by %d×%d product: %s"
                    .formatted(m, l, l, n, e.getMessage()), e);
        }
    }

    @Override
    public FloatBuffer allocate(int elements) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(elements, Float.BYTES)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new UnsupportedModelException("cannot close the MatMul session: " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }

    private static ModelProto model() {
        GraphProto graph = GraphProto.newBuilder().setName("matrix_product")
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("product").addInput("A").addInput("B").addOutput("C"))
                .addInput(matrix("A")).addInput(matrix("B")).addOutput(matrix("C")).build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("modelpress")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(graph).build();
    }

    private static ValueInfoProto matrix(String name) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(name + "_rows"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(name + "_columns"));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
