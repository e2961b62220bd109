package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.ModelDefect;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.engine.graph.NameRegistry;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.ScratchSpace;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.files.FileTrees;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static com.modelpress.engine.graph.Nodes.intAttribute;
import static com.modelpress.engine.graph.Nodes.intsAttribute;

/**
 * Second-moment statistics of intermediate activations on calibration samples, computed inside ONNX Runtime: for
 * each observed tensor {@code X} (last axis = features {@code K}) the graph is extended with
 * {@code MatMul(Transpose(Reshape(X, [-1, K])), Reshape(X, [-1, K]))} in float32 (after a {@code Cast}, so fp16
 * and bf16 activations work too), the number of rows and the value range. Only these {@code K×K} matrices and
 * scalars come back to Java, where they are summed over samples in double precision. Rows at positions where an
 * input named like {@code attention_mask} is 0 do not count (for tensors whose rows are the mask's positions);
 * the execution provider is the settings' one (CUDA on a GPU worker).
 *
 * <p>Tensors can be observed in groups ({@link Groups}), one after the other: each group runs only the part of the
 * graph that earlier groups did not run, fed with the values it needs from them (kept in a scratch file, per
 * sample), so the whole model runs about once however many groups there are, and only one group's
 * {@code K×K} sums are held at a time.
 */
public final class ActivationStatistics {

    private static final String PROGRESS_STEP = "calibrate";
    /** Initializers at least this large reach ONNX Runtime as external initializers over their mapped bytes. */
    private static final long EXTERNAL_INITIALIZER_BYTES = 1 << 16;

    private ActivationStatistics() {
    }

    /**
     * @param xtx  row-major {@code [features, features]} sum of {@code xᵀx}
     * @param rows number of activation rows summed
     * @param min  smallest activation value seen
     * @param max  largest activation value seen
     */
    public record SecondMoment(int features, double[] xtx, long rows, float min, float max, int groups, double[] sums) {
        public SecondMoment(int features, double[] xtx, long rows, float min, float max) {
            this(features, xtx, rows, min, max, 1, null);
        }
    }

    /** Prefix of the names {@link #convPatches} makes. */
    private static final String CONV_PATCHES = "modelpress-conv-patches:";

    /**
     * The name under which a {@link Groups} observes the im2col patches of a 2-D {@code Conv} (by its first output)
     * instead of a tensor: the statistics are then per convolution group {@code g}, with {@code features} =
     * input channels per group × kernel height × kernel width, {@code xtx} the {@code g} blocks {@code [features,
     * features]} one after the other and {@code sums} the {@code g × features} column sums of the patches (their mean
     * times {@code rows}), as the convolution reads them (zero padding included). Patches are extracted inside ONNX
     * Runtime by a depthwise {@code Conv} with one-hot kernels, so only the sums come back to Java.
     */
    public static String convPatches(String convOutput) {
        return CONV_PATCHES + convOutput;
    }

    /**
     * All of {@code names} in one group.
     *
     * @param source the model (its external data is read from its folder)
     * @param names  float tensors to observe, e.g. the activation inputs of MatMul nodes
     * @return statistics per observed tensor name; tensors ONNX Runtime does not produce are absent
     */
    public static Map<String, SecondMoment> collect(OnnxModel source, Set<String> names, CalibrationSettings settings,
                                                   ProgressListener progress) throws IOException {
        if (names.isEmpty() || !settings.enabled()) {
            return Map.of();
        }
        try (Groups groups = Groups.open(source, List.of(names), settings, progress)) {
            return groups.next();
        }
    }

    /**
     * Statistics of several groups of tensors, computed one group at a time in the given order (best in graph
     * order: a group then runs only the layers between the previous group and its own tensors).
     *
     * <p>Not thread-safe. Holds the calibration samples, and in a scratch file the values later groups need from
     * earlier ones; close it to delete them.
     */
    public static final class Groups implements AutoCloseable {

        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OnnxModel source;
        private final CalibrationSettings settings;
        private final ProgressListener progress;
        private final List<Plan> plans;
        private final List<Sample> samples;
        /** Nullable: what to tell the user when the model fails on synthesised samples. */
        private final String failureHint;
        private final Map<String, InputSpec> inputs;
        private final String maskInput;
        private final Path scratchDirectory;
        private final ScratchSpace scratch;
        /** Per sample: values computed by earlier groups that later groups read. */
        private final List<Map<String, Stored>> forwarded = new ArrayList<>();
        private int next;

        private Groups(OnnxModel source, List<Plan> plans, CalibrationSettings settings, ProgressListener progress,
                       Samples samples, Map<String, InputSpec> inputs, String maskInput, Path scratchDirectory)
                throws IOException {
            this.source = source;
            this.settings = settings;
            this.progress = progress;
            this.plans = plans;
            this.samples = samples.samples();
            this.failureHint = samples.failureHint();
            this.inputs = inputs;
            this.maskInput = maskInput;
            this.scratchDirectory = scratchDirectory;
            this.scratch = new ScratchSpace(scratchDirectory);
            for (int i = 0; i < this.samples.size(); i++) {
                forwarded.add(new HashMap<>());
            }
        }

        /**
         * @param groups tensors to observe, group by group; a name may appear in one group only
         * @throws com.modelpress.engine.InvalidModelException when the calibration samples do not fit the model
         */
        public static Groups open(OnnxModel source, List<? extends Collection<String>> groups,
                                  CalibrationSettings settings, ProgressListener progress) throws IOException {
            GraphProto graph = source.proto().getGraph();
            Map<String, InputSpec> inputs = inputSpecs(graph);
            List<InputSpec> specs = List.copyOf(inputs.values());
            // synthesised, from the folder, or cut from the text (decoders: prefill windows with an empty cache)
            Samples samples = settings.samples(specs, GraphFacts.of(graph));
            String mask = specs.stream().map(InputSpec::name)
                    .filter(name -> name.toLowerCase(Locale.ROOT).contains("attention_mask"))
                    .filter(name -> inputs.get(name).rank() == 2)
                    .findFirst().orElse(null);
            int opset = (int) source.proto().getOpsetImportList().stream()
                    .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                    .mapToLong(ai.onnx.proto.OnnxMl.OperatorSetIdProto::getVersion).max().orElse(1);
            List<Plan> plans = Plan.of(graph, groups, mask, opset);
            Path scratch = Files.createTempDirectory("modelpress-calibration-");
            try {
                return new Groups(source, plans, settings, progress, samples, inputs, mask, scratch);
            } catch (IOException | RuntimeException e) {
                FileTrees.delete(scratch);
                throw e;
            }
        }

        /** Number of groups. */
        public int size() {
            return plans.size();
        }

        /** True while a group is left. */
        public boolean hasNext() {
            return next < plans.size();
        }

        /** Number of calibration samples each group runs. */
        public int sampleCount() {
            return samples.size();
        }

        /**
         * Runs the next group on every sample.
         *
         * @return statistics per observed tensor of the group; tensors ONNX Runtime does not produce (values inside
         *         subgraphs) are absent
         * @throws UnsupportedModelException when ONNX Runtime cannot load or run the group's graph
         */
        public Map<String, SecondMoment> next() throws IOException {
            if (!hasNext()) {
                throw new IllegalStateException("all " + plans.size() + " calibration groups are done");
            }
            int index = next++;
            Plan plan = plans.get(index);
            Map<String, Sum> sums = new LinkedHashMap<>();
            if (!plan.observed().isEmpty() || !plan.forwardOut().isEmpty()) {
                run(index, plan, sums);
            }
            for (Map<String, Stored> values : forwarded) {
                values.keySet().removeIf(name -> plan.lastReader().getOrDefault(name, -1) <= index);
            }
            Map<String, SecondMoment> result = new LinkedHashMap<>();
            sums.forEach((name, sum) -> result.put(name, sum.moment()));
            return result;
        }

        private void run(int index, Plan plan, Map<String, Sum> sums) throws IOException {
            Map<String, OnnxTensor> external = new HashMap<>();
            try (OrtSession.SessionOptions options = sessionOptions()) {
                ModelProto model = model(plan, external);
                options.addExternalInitializers(new HashMap<String, OnnxTensorLike>(external));
                try (OrtSession session = open(options, model)) {
                    Set<String> outputs = new LinkedHashSet<>();
                    plan.observed().values().forEach(o -> {
                        outputs.addAll(List.of(o.xtx(), o.rows(), o.min(), o.max()));
                        if (o.sums() != null) {
                            outputs.add(o.sums());
                        }
                    });
                    outputs.addAll(plan.forwardOut());
                    for (int s = 0; s < samples.size(); s++) {
                        runSample(session, plan, s, outputs, sums);
                        progress.onProgress(PROGRESS_STEP, (index + (s + 1.0) / samples.size()) / plans.size());
                    }
                }
            } catch (OrtException e) {
                String problem = "ONNX Runtime failed while calibrating: " + e.getMessage();
                throw failureHint == null ? new UnsupportedModelException(problem, e)
                        : new UnsupportedModelException(ModelDefect.SYNTHESISED_INPUTS_REJECTED, problem + "; " + failureHint, e);
            } finally {
                external.values().forEach(OnnxTensor::close);
            }
        }

        private void runSample(OrtSession session, Plan plan, int s, Set<String> outputs, Map<String, Sum> sums)
                throws OrtException, IOException {
            Sample sample = samples.get(s);
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            try {
                for (String input : session.getInputNames()) {
                    Stored stored = forwarded.get(s).get(input);
                    if (stored != null) {
                        feeds.put(input, OnnxTensor.createTensor(env, direct(stored.bytes()), stored.shape(), stored.type()));
                    } else {
                        feeds.put(input, OrtTensors.create(env, input, sample.inputs().get(input), inputs.get(input).type()));
                    }
                }
                try (OrtSession.Result result = session.run(feeds, outputs)) {
                    for (Map.Entry<String, Observed> entry : plan.observed().entrySet()) {
                        Observed o = entry.getValue();
                        OnnxTensor xtx = (OnnxTensor) result.get(o.xtx()).orElseThrow();
                        long[] shape = xtx.getInfo().getShape();
                        int k = Math.toIntExact(shape[shape.length - 1]);
                        int g = shape.length == 3 ? Math.toIntExact(shape[0]) : 1;
                        long rows = Math.round(scalar(result.get(o.rows()).orElseThrow()));
                        Sum sum = sums.computeIfAbsent(entry.getKey(), name -> new Sum(k, g, o.sums() != null));
                        if (sum.features != k || sum.groups != g) {
                            throw new UnsupportedModelException("tensor '%s' has %d features on sample %s but %d before"
                                    .formatted(entry.getKey(), k, sample.name(), sum.features));
                        }
                        if (rows > 0) {
                            FloatBuffer columnSums = o.sums() == null ? null
                                    : ((OnnxTensor) result.get(o.sums()).orElseThrow()).getFloatBuffer();
                            sum.add(xtx.getFloatBuffer(), columnSums, rows,
                                    (float) scalar(result.get(o.min()).orElseThrow()),
                                    (float) scalar(result.get(o.max()).orElseThrow()));
                        }
                    }
                    for (String name : plan.forwardOut()) {
                        OnnxTensor value = (OnnxTensor) result.get(name).orElseThrow();
                        TensorInfo info = value.getInfo();
                        byte[] bytes = new byte[value.getByteBuffer().remaining()];
                        value.getByteBuffer().get(bytes);
                        forwarded.get(s).put(name, new Stored(info.type, info.getShape(), onnxType(info.type, name),
                                scratch.store(bytes)));
                    }
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }

        /** The bytes as a direct buffer: a view when they are mapped, else a copy. */
        private static ByteBuffer direct(ByteString bytes) {
            ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
            if (buffer.isDirect()) {
                return buffer;
            }
            return ByteBuffer.allocateDirect(bytes.size()).order(java.nio.ByteOrder.nativeOrder()).put(buffer).flip();
        }

        private static double scalar(OnnxValue value) throws OrtException {
            return ((OnnxTensor) value).getFloatBuffer().get(0);
        }

        private OrtSession.SessionOptions sessionOptions() throws OrtException {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            try {
                options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                if (settings.executionProvider() == ExecutionProvider.CUDA) {
                    options.addCUDA(0);
                }
                for (Map.Entry<String, String> entry : settings.sessionConfig().entrySet()) {
                    options.addConfigEntry(entry.getKey(), entry.getValue());
                }
                return options;
            } catch (OrtException | RuntimeException e) {
                options.close();
                throw e;
            }
        }

        /** Opens a group's graph; a refusal is reported against the user's model, with a stable code. */
        private OrtSession open(OrtSession.SessionOptions options, ModelProto model) {
            try {
                return env.createSession(model.toByteArray(), options);
            } catch (OrtException e) {
                throw OrtLoadFailure.of("the model", source.file(), e);
            }
        }

        /**
         * The group's graph: the nodes it must run, fed by the model's inputs and the values earlier groups
         * forwarded, with the statistics and the values later groups need as outputs. Large initializers are
         * declared external and handed to ONNX Runtime over their mapped bytes ({@code external}), so no copy of
         * the weights is written.
         */
        private ModelProto model(Plan plan, Map<String, OnnxTensor> external) throws IOException, OrtException {
            GraphProto original = source.proto().getGraph();
            GraphProto.Builder graph = GraphProto.newBuilder().setName(original.getName() + "_calibration");
            for (ValueInfoProto input : original.getInputList()) {
                if (plan.modelInputs().contains(input.getName())) {
                    graph.addInput(input);
                }
            }
            Map<String, Stored> first = forwarded.isEmpty() ? Map.of() : forwarded.getFirst();
            for (String name : plan.forwardIn()) {
                Stored stored = first.get(name);
                if (stored == null) {
                    throw new IllegalStateException("value '" + name + "' was not forwarded by an earlier group");
                }
                graph.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(stored.onnxType()))));
            }
            for (TensorProto initializer : original.getInitializerList()) {
                if (!plan.initializers().contains(initializer.getName())) {
                    continue;
                }
                OnnxJavaType type = externalType(initializer.getDataType());
                if (type == null || TensorCodec.dataBytes(initializer) < EXTERNAL_INITIALIZER_BYTES) {
                    graph.addInitializer(OnnxModel.isExternal(initializer) ? inline(initializer) : initializer);
                    continue;
                }
                ByteString bytes = source.rawBytes(initializer);
                long[] dims = initializer.getDimsList().stream().mapToLong(Long::longValue).toArray();
                external.put(initializer.getName(), OnnxTensor.createTensor(env, direct(bytes), dims, type));
                graph.addInitializer(TensorProto.newBuilder().setName(initializer.getName())
                        .setDataType(initializer.getDataType()).addAllDims(initializer.getDimsList())
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", "modelpress-calibration-initializer"))
                        .addExternalData(entry("offset", "0"))
                        .addExternalData(entry("length", Long.toString(bytes.size()))));
            }
            graph.addAllNode(plan.nodes());
            plan.observed().values().forEach(o -> graph.addAllNode(o.nodes()));
            for (Observed o : plan.observed().values()) {
                graph.addOutput(floatOutput(o.xtx(), o.sums() == null ? 2 : 3));
                if (o.sums() != null) {
                    graph.addOutput(floatOutput(o.sums(), 2));
                }
                graph.addOutput(floatOutput(o.rows(), 0));
                graph.addOutput(floatOutput(o.min(), 0));
                graph.addOutput(floatOutput(o.max(), 0));
            }
            for (String name : plan.forwardOut()) {
                // no type: ONNX Runtime infers it (float16 in float16 graphs; declaring float32 would be refused)
                graph.addOutput(ValueInfoProto.newBuilder().setName(name));
            }
            return source.proto().toBuilder().setGraph(graph).build();
        }

        private TensorProto inline(TensorProto tensor) throws IOException {
            return tensor.toBuilder().clearExternalData().clearDataLocation().setRawData(source.rawBytes(tensor)).build();
        }

        @Override
        public void close() throws IOException {
            forwarded.clear();
            try {
                scratch.close();
            } finally {
                FileTrees.delete(scratchDirectory);
            }
        }

        /** Whether rows are masked for tensors of this calibration, for tests and notes. */
        String maskInput() {
            return maskInput;
        }
    }

    /** A value a group computed for later groups, for one sample: its bytes in the scratch file. */
    private record Stored(OnnxJavaType type, long[] shape, int onnxType, ByteString bytes) {}

    /** Running sums of one observed tensor. Not thread-safe. */
    private static final class Sum {
        private final int features;
        private final int groups;
        private final double[] xtx;
        private final double[] sums;
        private long rows;
        private float min = Float.POSITIVE_INFINITY;
        private float max = Float.NEGATIVE_INFINITY;

        Sum(int features, int groups, boolean withSums) {
            this.features = features;
            this.groups = groups;
            this.xtx = new double[Math.multiplyExact(groups, Math.multiplyExact(features, features))];
            this.sums = withSums ? new double[Math.multiplyExact(groups, features)] : null;
        }

        void add(FloatBuffer product, FloatBuffer columnSums, long sampleRows, float sampleMin, float sampleMax) {
            for (int i = 0; i < xtx.length; i++) {
                xtx[i] += product.get(i);
            }
            if (sums != null) {
                for (int i = 0; i < sums.length; i++) {
                    sums[i] += columnSums.get(i);
                }
            }
            rows += sampleRows;
            min = Math.min(min, sampleMin);
            max = Math.max(max, sampleMax);
        }

        SecondMoment moment() {
            return new SecondMoment(features, xtx, rows, rows == 0 ? 0 : min, rows == 0 ? 0 : max, groups, sums);
        }
    }

    /**
     * A 2-D convolution whose im2col patches are observed ({@link #convPatches}); for a {@code ConvTranspose} whose
     * kernel equals its stride (every output pixel reads one input pixel through one tap), the patches are the input's
     * channel vectors, one per input pixel.
     *
     * @param input    the convolution's data input
     * @param conv     the convolution node
     * @param group    convolution groups
     * @param perGroup input channels per group
     * @param kh       kernel height of the patches
     * @param kw       kernel width of the patches
     * @param geometry whether the patches take the convolution's strides, pads and dilations (not for ConvTranspose)
     */
    private record ConvPatchSource(String input, NodeProto conv, long group, int perGroup, int kh, int kw,
                                   boolean geometry) {

        /** The convolutions named by {@link #convPatches} in {@code groups} whose weight shape the graph states. */
        static Map<String, ConvPatchSource> of(GraphProto graph, List<? extends Collection<String>> groups) {
            Map<String, long[]> shapes = new HashMap<>();
            graph.getInitializerList().forEach(t -> shapes.put(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray()));
            for (NodeProto node : graph.getNodeList()) {
                if (node.getOpType().equals("Constant") && node.getOutputCount() == 1) {
                    node.getAttributeList().stream().filter(a -> a.getName().equals("value") && a.hasT()).findFirst()
                            .ifPresent(a -> shapes.put(node.getOutput(0), a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray()));
                }
            }
            Map<String, NodeProto> byOutput = new HashMap<>();
            for (NodeProto node : graph.getNodeList()) {
                if ((node.getOpType().equals("Conv") || node.getOpType().equals("ConvTranspose"))
                        && node.getDomain().isEmpty() && node.getInputCount() >= 2 && node.getOutputCount() >= 1) {
                    byOutput.put(convPatches(node.getOutput(0)), node);
                }
            }
            Map<String, ConvPatchSource> sources = new HashMap<>();
            for (Collection<String> group : groups) {
                for (String name : group) {
                    NodeProto conv = byOutput.get(name);
                    long[] dims = conv == null ? null : shapes.get(conv.getInput(1));
                    if (dims == null || dims.length != 4 || dims[0] <= 0 || dims[1] <= 0) {
                        continue;
                    }
                    if (conv.getOpType().equals("Conv")) {
                        sources.put(name, new ConvPatchSource(conv.getInput(0), conv, Nodes.intAttribute(conv, "group", 1),
                                Math.toIntExact(dims[1]), Math.toIntExact(dims[2]), Math.toIntExact(dims[3]), true));
                    } else if (Nodes.intAttribute(conv, "group", 1) == 1) {
                        sources.put(name, new ConvPatchSource(conv.getInput(0), conv, 1, Math.toIntExact(dims[0]), 1, 1,
                                false));
                    }
                }
            }
            return sources;
        }

        /**
         * The nodes: {@code Cast} to float, a depthwise {@code Conv} with one-hot kernels (the convolution's strides,
         * pads, dilations and auto_pad) whose output channel {@code c·kH·kW + t} is input channel {@code c} at kernel
         * tap {@code t}, rearranged to {@code [groups, rows, features]}; then per group {@code PᵀP}, the column sums,
         * the row count and the range.
         */
        Observed observe(Names names, int opset) {
            int taps = kh * kw;
            int channels = Math.toIntExact(perGroup * group);
            int features = perGroup * taps;
            List<NodeProto> nodes = new ArrayList<>();
            String base = "modelpress_calibration/" + conv.getOutput(0).replaceAll("[^A-Za-z0-9_.]", "_") + "/patches";
            String cast = names.fresh(base + "/float");
            nodes.add(node("Cast", List.of(input), List.of(cast), names, intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
            String kernel = names.fresh(base + "/one_hot");
            float[] oneHot = new float[channels * taps * taps];
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < taps; t++) {
                    oneHot[(c * taps + t) * taps + t] = 1f;
                }
            }
            nodes.add(node("Constant", List.of(), List.of(kernel), names, Nodes.constantValue(TensorProto.newBuilder()
                    .setName(kernel).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .addAllDims(List.of((long) channels * taps, 1L, (long) kh, (long) kw))
                    .setRawData(ByteString.copyFrom(TensorCodec.toFloatBytes(oneHot))).build())));
            String patches = names.fresh(base + "/im2col");
            NodeProto.Builder extract = node("Conv", List.of(cast, kernel), List.of(patches), names,
                    intAttribute("group", channels)).toBuilder();
            for (AttributeProto attribute : conv.getAttributeList()) {
                if (geometry && List.of("strides", "pads", "dilations", "auto_pad").contains(attribute.getName())) {
                    extract.addAttribute(attribute);
                }
            }
            extract.addAttribute(intsAttribute("kernel_shape", kh, kw));
            nodes.add(extract.build());
            String split = names.fresh(base + "/by_group");
            nodes.add(node("Reshape", List.of(patches, constant(nodes, names, base + "/group_shape", 0, group, features, -1)),
                    List.of(split), names));
            String moved = names.fresh(base + "/group_first");
            nodes.add(node("Transpose", List.of(split), List.of(moved), names, intsAttribute("perm", 1, 0, 3, 2)));
            String used = names.fresh(base + "/rows");
            nodes.add(node("Reshape", List.of(moved, constant(nodes, names, base + "/rows_shape", group, -1, features)),
                    List.of(used), names));
            String transposed = names.fresh(base + "/transposed");
            nodes.add(node("Transpose", List.of(used), List.of(transposed), names, intsAttribute("perm", 0, 2, 1)));
            String xtx = names.fresh(base + "/xtx");
            nodes.add(node("MatMul", List.of(transposed, used), List.of(xtx), names));
            String sums = names.fresh(base + "/sums");
            if (opset >= 13) {
                nodes.add(node("ReduceSum", List.of(used, constant(nodes, names, base + "/rows_axis", 1)), List.of(sums),
                        names, intAttribute("keepdims", 0)));
            } else {
                nodes.add(node("ReduceSum", List.of(used), List.of(sums), names, intAttribute("keepdims", 0),
                        intsAttribute("axes", 1)));
            }
            String shape = names.fresh(base + "/shape");
            nodes.add(node("Shape", List.of(used), List.of(shape), names));
            String count = names.fresh(base + "/count");
            // the opset's own form of Slice (attributes below opset 10)
            nodes.add(slice(nodes, names, base, shape, 1, 2, count));
            String countFloat = names.fresh(base + "/count_float");
            nodes.add(node("Cast", List.of(count), List.of(countFloat), names, intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
            String rows = names.fresh(base + "/row_count");
            nodes.add(node("ReduceSum", List.of(countFloat), List.of(rows), names, intAttribute("keepdims", 0)));
            String min = names.fresh(base + "/min");
            nodes.add(node("ReduceMin", List.of(used), List.of(min), names, intAttribute("keepdims", 0)));
            String max = names.fresh(base + "/max");
            nodes.add(node("ReduceMax", List.of(used), List.of(max), names, intAttribute("keepdims", 0)));
            return new Observed(xtx, rows, min, max, sums, nodes);
        }
    }

    /** The value names of the nodes added for one observed tensor. */
    private record Observed(String xtx, String rows, String min, String max, String sums, List<NodeProto> nodes) {
        Observed(String xtx, String rows, String min, String max, List<NodeProto> nodes) {
            this(xtx, rows, min, max, null, nodes);
        }
    }

    /**
     * What one group runs.
     *
     * @param nodes        the model's nodes this group runs (in model order)
     * @param initializers initializers those nodes read
     * @param modelInputs  model inputs the group reads
     * @param forwardIn    values earlier groups computed that this group reads
     * @param forwardOut   values this group computes that later groups read
     * @param lastReader   for every forwarded value, the last group that reads it
     * @param observed     added statistics per observed tensor
     */
    private record Plan(List<NodeProto> nodes, Set<String> initializers, Set<String> modelInputs, Set<String> forwardIn,
                        Set<String> forwardOut, Map<String, Integer> lastReader, Map<String, Observed> observed) {

        static List<Plan> of(GraphProto graph, List<? extends Collection<String>> groups, String mask, int opset) {
            Map<String, Integer> producer = new HashMap<>();
            List<Set<String>> reads = new ArrayList<>();
            for (int i = 0; i < graph.getNodeCount(); i++) {
                NodeProto node = graph.getNode(i);
                for (String output : node.getOutputList()) {
                    if (!output.isEmpty()) {
                        producer.put(output, i);
                    }
                }
                Set<String> names = new LinkedHashSet<>(node.getInputList());
                for (AttributeProto attribute : node.getAttributeList()) {
                    if (attribute.hasG()) {
                        references(attribute.getG(), names);
                    }
                    attribute.getGraphsList().forEach(g -> references(g, names));
                }
                names.remove("");
                reads.add(names);
            }
            Set<String> initializerNames = new HashSet<>();
            graph.getInitializerList().forEach(t -> initializerNames.add(t.getName()));
            Set<String> graphInputs = new HashSet<>();
            graph.getInputList().forEach(i -> graphInputs.add(i.getName()));
            Names names = new Names(graph, opset);

            boolean[] computed = new boolean[graph.getNodeCount()];
            List<Set<String>> forwardIn = new ArrayList<>();
            List<List<Integer>> nodesOf = new ArrayList<>();
            List<Set<String>> initializersOf = new ArrayList<>();
            List<Set<String>> modelInputsOf = new ArrayList<>();
            List<Map<String, Observed>> observedOf = new ArrayList<>();
            Map<String, ConvPatchSource> convs = ConvPatchSource.of(graph, groups);
            for (Collection<String> group : groups) {
                // what each target reads: itself, or for a convolution's patches the convolution's input
                Map<String, String> tensorOf = new LinkedHashMap<>();
                for (String name : group) {
                    ConvPatchSource conv = convs.get(name);
                    if (name.startsWith(CONV_PATCHES) && conv == null) {
                        continue;
                    }
                    tensorOf.put(name, conv == null ? name : conv.input());
                }
                List<String> targets = tensorOf.keySet().stream()
                        .filter(name -> producer.containsKey(tensorOf.get(name))
                                || (graphInputs.contains(tensorOf.get(name)) && !initializerNames.contains(tensorOf.get(name))))
                        .toList();
                boolean[] mine = new boolean[graph.getNodeCount()];
                ArrayList<Integer> stack = new ArrayList<>();
                for (String target : targets) {
                    Integer p = producer.get(tensorOf.get(target));
                    if (p != null && !computed[p] && !mine[p]) {
                        mine[p] = true;
                        stack.add(p);
                    }
                }
                while (!stack.isEmpty()) {
                    int node = stack.removeLast();
                    for (String input : reads.get(node)) {
                        Integer p = producer.get(input);
                        if (p != null && !computed[p] && !mine[p]) {
                            mine[p] = true;
                            stack.add(p);
                        }
                    }
                }
                List<Integer> nodes = new ArrayList<>();
                Set<String> in = new LinkedHashSet<>();
                Set<String> initializers = new LinkedHashSet<>();
                Set<String> modelInputs = new LinkedHashSet<>();
                Set<String> read = new LinkedHashSet<>();
                targets.forEach(target -> read.add(tensorOf.get(target)));
                for (int i = 0; i < mine.length; i++) {
                    if (mine[i]) {
                        nodes.add(i);
                        read.addAll(reads.get(i));
                    }
                }
                for (String name : read) {
                    Integer p = producer.get(name);
                    if (p != null && !mine[p]) {
                        in.add(name);
                    } else if (p == null && initializerNames.contains(name)) {
                        initializers.add(name);
                    } else if (p == null && graphInputs.contains(name)) {
                        modelInputs.add(name);
                    }
                }
                Map<String, Observed> observed = new LinkedHashMap<>();
                boolean masked = false;
                for (String target : targets) {
                    ConvPatchSource conv = convs.get(target);
                    observed.put(target, conv == null ? observe(target, mask, names) : conv.observe(names, opset));
                    masked |= conv == null;
                }
                if (mask != null && masked) {
                    modelInputs.add(mask);
                }
                for (int i : nodes) {
                    computed[i] = true;
                }
                nodesOf.add(nodes);
                forwardIn.add(in);
                initializersOf.add(initializers);
                modelInputsOf.add(modelInputs);
                observedOf.add(observed);
            }
            Map<String, Integer> lastReader = new HashMap<>();
            for (int g = 0; g < groups.size(); g++) {
                for (String name : forwardIn.get(g)) {
                    lastReader.put(name, g);
                }
            }
            List<Plan> plans = new ArrayList<>();
            for (int g = 0; g < groups.size(); g++) {
                Set<String> out = new LinkedHashSet<>();
                Set<Integer> mine = new HashSet<>(nodesOf.get(g));
                for (int h = g + 1; h < groups.size(); h++) {
                    for (String name : forwardIn.get(h)) {
                        if (mine.contains(producer.get(name))) {
                            out.add(name);
                        }
                    }
                }
                List<NodeProto> nodes = nodesOf.get(g).stream().map(graph::getNode).toList();
                plans.add(new Plan(nodes, initializersOf.get(g), modelInputsOf.get(g), forwardIn.get(g), out,
                        lastReader, observedOf.get(g)));
            }
            return plans;
        }

        /** Every name read inside a subgraph, nested ones included (over-approximates its outer-scope reads). */
        private static void references(GraphProto graph, Set<String> into) {
            for (NodeProto node : graph.getNodeList()) {
                into.addAll(node.getInputList());
                for (AttributeProto attribute : node.getAttributeList()) {
                    if (attribute.hasG()) {
                        references(attribute.getG(), into);
                    }
                    attribute.getGraphsList().forEach(g -> references(g, into));
                }
            }
            graph.getOutputList().forEach(o -> into.add(o.getName()));
        }
    }

    /**
     * The nodes computing {@code XᵀX}, the row count and the range of {@code x} in float32. With a mask, an
     * {@code If} checks whether {@code x} has one row per mask position; then masked rows are zeroed (and left out
     * of the count and the range), otherwise every row counts.
     */
    private static Observed observe(String x, String mask, Names names) {
        List<NodeProto> nodes = new ArrayList<>();
        String base = "modelpress_calibration/" + x.replaceAll("[^A-Za-z0-9_.]", "_");
        String cast = names.fresh(base + "/float");
        nodes.add(node("Cast", List.of(x), List.of(cast), names, intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
        String shape = names.fresh(base + "/shape");
        nodes.add(node("Shape", List.of(cast), List.of(shape), names));
        String last = names.fresh(base + "/features");
        nodes.add(slice(nodes, names, base, shape, -1, Long.MAX_VALUE, last));
        String rowsShape = names.fresh(base + "/rows_shape");
        nodes.add(node("Concat", List.of(constant(nodes, names, base + "/all", -1), last), List.of(rowsShape), names,
                intAttribute("axis", 0)));
        String matrix = names.fresh(base + "/rows");
        nodes.add(node("Reshape", List.of(cast, rowsShape), List.of(matrix), names));

        String rows = names.fresh(base + "/row_count");
        String min = names.fresh(base + "/min");
        String max = names.fresh(base + "/max");
        String used;
        if (mask == null) {
            used = matrix;
            unmasked(nodes, names, base, matrix, rows, min, max);
        } else {
            used = names.fresh(base + "/masked_rows");
            String maskFloat = names.fresh(base + "/mask_float");
            nodes.add(node("Cast", List.of(mask), List.of(maskFloat), names, intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
            String maskColumn = names.fresh(base + "/mask_column");
            nodes.add(node("Reshape", List.of(maskFloat, constant(nodes, names, base + "/column", -1, 1)),
                    List.of(maskColumn), names));
            String xRows = first(nodes, names, base + "/x", matrix);
            String maskRows = first(nodes, names, base + "/mask", maskColumn);
            String same = names.fresh(base + "/mask_applies");
            nodes.add(node("Equal", List.of(xRows, maskRows), List.of(same), names));

            List<NodeProto> then = new ArrayList<>();
            String thenRows = names.fresh(base + "/then_rows");
            then.add(node("Mul", List.of(matrix, maskColumn), List.of(thenRows), names));
            String thenCount = names.fresh(base + "/then_count");
            then.add(node("ReduceSum", List.of(maskColumn), List.of(thenCount), names, intAttribute("keepdims", 0)));
            String keep = names.fresh(base + "/keep");
            then.add(node("Cast", List.of(maskColumn), List.of(keep), names, intAttribute("to", TensorProto.DataType.BOOL_VALUE)));
            String thenMin = reduceKept(then, names, base + "/then_min", matrix, keep, Float.POSITIVE_INFINITY, "ReduceMin");
            String thenMax = reduceKept(then, names, base + "/then_max", matrix, keep, Float.NEGATIVE_INFINITY, "ReduceMax");

            List<NodeProto> otherwise = new ArrayList<>();
            String elseRows = names.fresh(base + "/else_rows");
            otherwise.add(node("Identity", List.of(matrix), List.of(elseRows), names));
            String elseCount = names.fresh(base + "/else_count");
            String elseMin = names.fresh(base + "/else_min");
            String elseMax = names.fresh(base + "/else_max");
            unmasked(otherwise, names, base + "/else", matrix, elseCount, elseMin, elseMax);

            nodes.add(node("If", List.of(same), List.of(used, rows, min, max), names,
                    graphAttribute("then_branch", branch(base + "/then", then, thenRows, thenCount, thenMin, thenMax)),
                    graphAttribute("else_branch", branch(base + "/else", otherwise, elseRows, elseCount, elseMin, elseMax))));
        }
        String transposed = names.fresh(base + "/transposed");
        nodes.add(node("Transpose", List.of(used), List.of(transposed), names, intsAttribute("perm", 1, 0)));
        String xtx = names.fresh(base + "/xtx");
        nodes.add(node("MatMul", List.of(transposed, used), List.of(xtx), names));
        return new Observed(xtx, rows, min, max, nodes);
    }

    /** Row count (as float) and range of all rows of {@code matrix}. */
    private static void unmasked(List<NodeProto> nodes, Names names, String base, String matrix, String rows,
                                 String min, String max) {
        String count = first(nodes, names, base + "/all", matrix);
        String countFloat = names.fresh(base + "/count_float");
        nodes.add(node("Cast", List.of(count), List.of(countFloat), names, intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
        nodes.add(node("ReduceSum", List.of(countFloat), List.of(rows), names, intAttribute("keepdims", 0)));
        nodes.add(node("ReduceMin", List.of(matrix), List.of(min), names, intAttribute("keepdims", 0)));
        nodes.add(node("ReduceMax", List.of(matrix), List.of(max), names, intAttribute("keepdims", 0)));
    }

    /** {@code reduce} over the rows where {@code keep} holds; {@code neutral} elsewhere. */
    private static String reduceKept(List<NodeProto> nodes, Names names, String base, String matrix, String keep,
                                     float neutral, String reduce) {
        String fill = names.fresh(base + "/fill");
        nodes.add(node("Constant", List.of(), List.of(fill), names, Nodes.constantValue(TensorProto.newBuilder().setName(fill)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(neutral).build())));
        String chosen = names.fresh(base + "/chosen");
        nodes.add(node("Where", List.of(keep, matrix, fill), List.of(chosen), names));
        String out = names.fresh(base);
        nodes.add(node(reduce, List.of(chosen), List.of(out), names, intAttribute("keepdims", 0)));
        return out;
    }

    /**
     * {@code input[start:end]} of a 1-D tensor: Slice with inputs from opset 10, with attributes before (the only
     * form those opsets know).
     */
    private static NodeProto slice(List<NodeProto> nodes, Names names, String base, String input, long start, long end,
                                   String output) {
        if (names.opset() < 10) {
            return node("Slice", List.of(input), List.of(output), names, intsAttribute("starts", start),
                    intsAttribute("ends", end));
        }
        return node("Slice", List.of(input, constant(nodes, names, base + "/start", start),
                constant(nodes, names, base + "/end", end)), List.of(output), names);
    }

    /** The first dimension of {@code value}, as a one-element int64 tensor. */
    private static String first(List<NodeProto> nodes, Names names, String base, String value) {
        String shape = names.fresh(base + "_shape");
        nodes.add(node("Shape", List.of(value), List.of(shape), names));
        String out = names.fresh(base + "_first");
        nodes.add(slice(nodes, names, base, shape, 0, 1, out));
        return out;
    }

    private static GraphProto branch(String name, List<NodeProto> nodes, String rows, String count, String min, String max) {
        return GraphProto.newBuilder().setName(name).addAllNode(nodes)
                .addOutput(floatOutput(rows, 2)).addOutput(floatOutput(count, 0))
                .addOutput(floatOutput(min, 0)).addOutput(floatOutput(max, 0)).build();
    }

    private static String constant(List<NodeProto> nodes, Names names, String base, long... values) {
        String out = names.fresh(base);
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(out).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long value : values) {
            tensor.addInt64Data(value);
        }
        nodes.add(node("Constant", List.of(), List.of(out), names, Nodes.constantValue(tensor.build())));
        return out;
    }

    private static ValueInfoProto floatOutput(String name, int rank) {
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE);
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < rank; i++) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder());
        }
        tensor.setShape(shape);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    /** A node named after its first output and its operator, fresh in the model. */
    private static NodeProto node(String op, List<String> inputs, List<String> outputs, Names names,
                                  AttributeProto... attributes) {
        return Nodes.node(op, names.fresh(outputs.getFirst() + "/" + op), inputs, outputs, attributes);
    }

    private static AttributeProto graphAttribute(String name, GraphProto graph) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(graph).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /** The model's inputs that are not initializers, as ONNX Runtime will list them. */
    private static Map<String, InputSpec> inputSpecs(GraphProto graph) {
        Set<String> initializers = new HashSet<>();
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, InputSpec> specs = new LinkedHashMap<>();
        for (ValueInfoProto input : graph.getInputList()) {
            if (initializers.contains(input.getName())) {
                continue;
            }
            if (!input.getType().hasTensorType()) {
                throw new UnsupportedModelException("input '" + input.getName() + "' is not a tensor; only tensor inputs are supported");
            }
            TypeProto.Tensor tensor = input.getType().getTensorType();
            int rank = tensor.getShape().getDimCount();
            long[] shape = new long[rank];
            String[] dimNames = new String[rank];
            for (int d = 0; d < rank; d++) {
                TensorShapeProto.Dimension dim = tensor.getShape().getDim(d);
                shape[d] = dim.hasDimValue() ? dim.getDimValue() : -1;
                dimNames[d] = dim.hasDimParam() ? dim.getDimParam() : "";
            }
            OnnxJavaType type = javaType(tensor.getElemType(), input.getName());
            specs.put(input.getName(), new InputSpec(input.getName(), type, shape, dimNames));
        }
        return specs;
    }

    /** The element type an initializer of {@code dataType} is handed over as; null to keep it in the graph. */
    private static OnnxJavaType externalType(int dataType) {
        return switch (dataType) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.FLOAT16_VALUE,
                 TensorProto.DataType.BFLOAT16_VALUE, TensorProto.DataType.INT64_VALUE, TensorProto.DataType.INT32_VALUE,
                 TensorProto.DataType.INT8_VALUE, TensorProto.DataType.UINT8_VALUE -> javaType(dataType, "");
            default -> null;
        };
    }

    /** The ONNX data type of an ONNX Runtime element type. */
    private static int onnxType(OnnxJavaType type, String name) {
        return switch (type) {
            case FLOAT -> TensorProto.DataType.FLOAT_VALUE;
            case DOUBLE -> TensorProto.DataType.DOUBLE_VALUE;
            case FLOAT16 -> TensorProto.DataType.FLOAT16_VALUE;
            case BFLOAT16 -> TensorProto.DataType.BFLOAT16_VALUE;
            case INT64 -> TensorProto.DataType.INT64_VALUE;
            case INT32 -> TensorProto.DataType.INT32_VALUE;
            case INT16 -> TensorProto.DataType.INT16_VALUE;
            case INT8 -> TensorProto.DataType.INT8_VALUE;
            case UINT8 -> TensorProto.DataType.UINT8_VALUE;
            case BOOL -> TensorProto.DataType.BOOL_VALUE;
            case STRING, UNKNOWN -> throw new UnsupportedModelException(
                    "value '%s' is a %s tensor, which calibration cannot pass between groups".formatted(name, type));
        };
    }

    /** The ONNX Runtime element type of an ONNX data type. */
    private static OnnxJavaType javaType(int dataType, String name) {
        return switch (dataType) {
            case TensorProto.DataType.FLOAT_VALUE -> OnnxJavaType.FLOAT;
            case TensorProto.DataType.DOUBLE_VALUE -> OnnxJavaType.DOUBLE;
            case TensorProto.DataType.FLOAT16_VALUE -> OnnxJavaType.FLOAT16;
            case TensorProto.DataType.BFLOAT16_VALUE -> OnnxJavaType.BFLOAT16;
            case TensorProto.DataType.INT64_VALUE -> OnnxJavaType.INT64;
            case TensorProto.DataType.INT32_VALUE -> OnnxJavaType.INT32;
            case TensorProto.DataType.INT16_VALUE -> OnnxJavaType.INT16;
            case TensorProto.DataType.INT8_VALUE -> OnnxJavaType.INT8;
            case TensorProto.DataType.UINT8_VALUE -> OnnxJavaType.UINT8;
            case TensorProto.DataType.BOOL_VALUE -> OnnxJavaType.BOOL;
            default -> throw new UnsupportedModelException("'%s' has ONNX data type %d, which calibration cannot feed"
                    .formatted(name, dataType));
        };
    }

    /** Fresh names that collide with nothing in the model, and the opset the added nodes are written for. Not thread-safe. */
    private record Names(NameRegistry registry, long opset) {

        Names(GraphProto graph, long opset) {
            this(new NameRegistry(graph), opset);
        }

        String fresh(String base) {
            return registry.fresh(base);
        }
    }
}
