package com.modelpress.engine.testing;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.util.List;
import java.util.Random;

import static com.modelpress.engine.testing.GraphBuilder.graph;
import static com.modelpress.engine.testing.GraphBuilder.integer;
import static com.modelpress.engine.testing.GraphBuilder.ints;

/**
 * Stateful recurrent models whose signature leaves the engine guessing, as voice-activity detectors are exported.
 */
public final class RecurrentFixtures {

    /** Hidden size of the LSTM and of the state. */
    public static final int HIDDEN = 128;
    /** Samples per frame the audio is cut into. */
    public static final int FRAME = 64;
    /** Samples the audio is reflect-padded with at each end: more than a one-sample input can reflect. */
    public static final int PAD = 32;
    /** The sampling rate the model's 16 kHz branch takes. */
    public static final long RATE = 16_000;

    private RecurrentFixtures() {
    }

    /**
     * A voice-activity detector: inputs {@code input: float32[?,?]} (batch × audio samples, unnamed dimensions),
     * {@code state: float32[2,batch,128]} (LSTM h and c), {@code sr: int64[]}; outputs {@code output: float32[?,16]}
     * (per-batch scores) and {@code stateN: float32[2,batch,128]}. The audio is reflect-padded by {@value #PAD} on both
     * sides (so an input shorter than {@value #PAD} + 1 samples fails in ONNX Runtime), cut into frames of
     * {@value #FRAME} (so the padded length must be a multiple of it: 512 samples are), projected by the initializer
     * {@code frame.w [64,128]} and run through an LSTM inside {@code If(sr == 16000)}: the then-branch holds its own
     * {@code lstm16k.w/r/b}, the else-branch {@code lstm8k.w/r/b}. The LSTM's batch must match the state's
     * {@code batch}. Opset 17.
     */
    public static ModelProto voiceActivityDetector(long seed) {
        GraphBuilder g = new GraphBuilder("vad", new Random(seed));
        String input = g.input("input", DataType.FLOAT, "", "");
        String state = g.input("state", DataType.FLOAT, 2, "batch", HIDDEN);
        String sr = g.input("sr", DataType.INT64);

        String padded = g.op("Pad", List.of(GraphBuilder.stringAttribute("mode", "reflect")), input,
                g.longs("pads", new long[]{4}, 0, PAD, 0, PAD));
        String frames = g.op("Reshape", padded, g.longs("frames.shape", new long[]{3}, 0, -1, FRAME));
        String timeMajor = g.op("Transpose", List.of(ints("perm", 1, 0, 2)), frames);
        String features = g.op("Relu", g.op("MatMul", timeMajor, g.weight("frame.w", FRAME, HIDDEN)));
        String h0 = g.op("Gather", List.of(integer("axis", 0)), state, g.longs("h.index", new long[]{1}, 0));
        String c0 = g.op("Gather", List.of(integer("axis", 0)), state, g.longs("c.index", new long[]{1}, 1));
        String is16k = g.op("Equal", sr, g.longs("rate", new long[]{}, RATE));

        g.addNode(NodeProto.newBuilder().setName("rate_branch").setOpType("If").addInput(is16k)
                .addOutput("h").addOutput("c")
                .addAttribute(graph("then_branch", lstmBranch("lstm16k", features, h0, c0, g.random())))
                .addAttribute(graph("else_branch", lstmBranch("lstm8k", features, h0, c0, g.random())))
                .build());
        g.opTo("stateN", "Concat", List.of(integer("axis", 0)), "h", "c");
        g.output("stateN", DataType.FLOAT, 2, "batch", HIDDEN);
        String last = g.op("Squeeze", "h", g.longs("squeeze.axes", new long[]{1}, 0));
        g.opTo("output", "Sigmoid", List.of(), g.op("MatMul", last, g.weight("head.w", HIDDEN, 16)));
        g.output("output", DataType.FLOAT, "", 16);
        return GraphBuilder.model(g.build());
    }

    /**
     * An LSTM as PyTorch exports one: {@code rnn.weight_ih [64,32]} and {@code rnn.weight_hh [64,16]} (gates i, f, g, o)
     * each cut by four {@code Slice}s along the rows, re-joined by {@code Concat} in ONNX's gate order (i, o, f, c) and
     * given the direction axis by {@code Unsqueeze}: {@code X[4,1,32]} → {@code LSTM(hidden 16)} → {@code Y_h[1,1,16]}.
     * Opset 17.
     */
    public static ModelProto slicedGateLstm(long seed) {
        GraphBuilder g = new GraphBuilder("sliced_lstm", new Random(seed));
        int hidden = 16;
        String x = g.input("X", DataType.FLOAT, 4, 1, 32);
        String w = reorderedGates(g, g.weight("rnn.weight_ih", 4 * hidden, 32), "w", hidden);
        String r = reorderedGates(g, g.weight("rnn.weight_hh", 4 * hidden, hidden), "r", hidden);
        g.addNode(NodeProto.newBuilder().setName("rnn").setOpType("LSTM").addInput(x).addInput(w).addInput(r)
                .addOutput("").addOutput("Y_h").addAttribute(integer("hidden_size", hidden)).build());
        g.output("Y_h", DataType.FLOAT, 1, 1, hidden);
        return GraphBuilder.model(g.build());
    }

    /** {@code Unsqueeze(Concat(rows i, o, f, c of a [4·hidden, n] matrix stored i, f, g(c), o), axes 0)}. */
    private static String reorderedGates(GraphBuilder g, String matrix, String prefix, int hidden) {
        String axes = g.longs(prefix + ".slice.axes", new long[]{1}, 0);
        String[] blocks = new String[4];
        int[] order = {0, 3, 1, 2};
        for (int k = 0; k < 4; k++) {
            int gate = order[k];
            blocks[k] = g.op("Slice", matrix, g.longs(prefix + ".start" + k, new long[]{1}, (long) gate * hidden),
                    g.longs(prefix + ".end" + k, new long[]{1}, (long) (gate + 1) * hidden), axes);
        }
        String joined = g.op("Concat", List.of(integer("axis", 0)), blocks);
        return g.op("Unsqueeze", joined, g.longs(prefix + ".unsqueeze.axes", new long[]{1}, 0));
    }

    /** One branch: {@code LSTM(features, prefix.w, prefix.r, prefix.b, h0, c0)} → its final {@code h} and {@code c}. */
    private static ai.onnx.proto.OnnxMl.GraphProto lstmBranch(String prefix, String features, String h0, String c0,
                                                              Random random) {
        GraphBuilder b = new GraphBuilder(prefix + "_branch", random);
        String w = b.weight(prefix + ".w", 1, 4 * HIDDEN, HIDDEN);
        String r = b.weight(prefix + ".r", 1, 4 * HIDDEN, HIDDEN);
        String bias = b.floats(prefix + ".b", new long[]{1, 8 * HIDDEN}, new float[8 * HIDDEN]);
        b.addNode(NodeProto.newBuilder().setName(prefix).setOpType("LSTM")
                .addInput(features).addInput(w).addInput(r).addInput(bias).addInput("").addInput(h0).addInput(c0)
                .addOutput("").addOutput(prefix + "_h").addOutput(prefix + "_c")
                .addAttribute(integer("hidden_size", HIDDEN))
                .build());
        b.output(prefix + "_h", DataType.FLOAT, 1, "batch", HIDDEN);
        b.output(prefix + "_c", DataType.FLOAT, 1, "batch", HIDDEN);
        return b.build();
    }
}
