package com.modelpress.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.modelpress.engine.evaluation.TokenizedText;
import com.modelpress.files.Sha256;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's own tokenizer, read from its Hugging Face {@code tokenizer.json} by the Hugging Face {@code tokenizers}
 * library itself (Rust, through DJL's binding): every kind the format holds — byte-level BPE (GPT-2, Llama 3, Qwen),
 * SentencePiece-style BPE or Unigram (Llama 2, Mistral, T5), WordPiece (BERT) — with its normalizer,
 * pre-tokenizer and post-processor as the file defines them.
 *
 * <p>The native library ships inside DJL's jar (linux-x86_64, linux-aarch64, macOS arm64, Windows x86-64) and is
 * unpacked once into DJL's cache folder ({@code ~/.djl.ai}, or {@code $DJL_CACHE_DIR}/{@code $ENGINE_CACHE_DIR};
 * the system temp folder when the home folder is not writable). DJL is put in offline mode and on the bundled CPU
 * build ({@code RUST_FLAVOR=cpu}) unless the environment says otherwise, so it never tries to download anything (it
 * would otherwise look for a CUDA build of the library on a machine with a GPU).
 *
 * <p>Thread-safe for encoding; {@link #close()} frees the native tokenizers.
 */
public final class TextTokenizer implements AutoCloseable {

    /** Tokens per line for encoders unless asked otherwise, special tokens included. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 128;

    private final Path file;
    private final HuggingFaceTokenizer stream;
    private final HuggingFaceTokenizer lines;

    private final long padId;

    private TextTokenizer(Path file, HuggingFaceTokenizer stream, HuggingFaceTokenizer lines) {
        this.file = file;
        this.stream = stream;
        this.lines = lines;
        long[] pad = stream.encode("[PAD]").getIds();
        this.padId = pad.length == 1 ? pad[0] : 0;
    }

    /**
     * @param tokenizerJson  a Hugging Face {@code tokenizer.json}
     * @param maxLineLength  tokens per line when text is read line by line (encoders), special tokens included
     * @throws UnsupportedTokenizerException when the file is missing, not a {@code tokenizer.json} the library reads,
     *                                       or the native library cannot be loaded
     */
    public static TextTokenizer read(Path tokenizerJson, int maxLineLength) {
        if (maxLineLength < 2) {
            throw new IllegalArgumentException("a line needs room for at least 2 tokens, was " + maxLineLength);
        }
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new UnsupportedTokenizerException(tokenizerJson, "no such file");
        }
        NativeLibrary.prepare();
        HuggingFaceTokenizer stream = null;
        try {
            stream = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson).optAddSpecialTokens(false)
                    .optTruncation(false).optPadding(false).build();
            HuggingFaceTokenizer lines = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true).optTruncation(true).optMaxLength(maxLineLength).optPadding(false).build();
            return new TextTokenizer(tokenizerJson, stream, lines);
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            if (stream != null) {
                stream.close();
            }
            throw new UnsupportedTokenizerException(tokenizerJson, describe(e));
        }
    }

    /**
     * @param tokenizerJson a Hugging Face {@code tokenizer.json}, read fully (not closed)
     * @param maxLineLength as in {@link #read(Path, int)}
     * @throws UnsupportedTokenizerException as {@link #read(Path, int)}
     */
    public static TextTokenizer read(java.io.InputStream tokenizerJson, int maxLineLength) throws IOException {
        Path copy = Files.createTempFile("modelpress-tokenizer-", ".json");
        try {
            Files.copy(tokenizerJson, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return read(copy, maxLineLength);
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /**
     * Lines encoded as {@link #encodeLine} and padded to the longest, as {@code [size, longest]} arrays: padding takes
     * the id of the tokenizer's {@code [PAD]} token (0 when it has none) and a 0 in the attention mask; token types are
     * all 0.
     *
     * @throws IllegalArgumentException for an empty list
     */
    public TokenBatch encodeBatch(List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one text");
        }
        List<long[]> encoded = texts.stream().map(this::encodeLine).toList();
        int length = encoded.stream().mapToInt(ids -> ids.length).max().orElseThrow();
        long[] inputIds = new long[texts.size() * length];
        long[] attentionMask = new long[inputIds.length];
        Arrays.fill(inputIds, padId);
        for (int row = 0; row < encoded.size(); row++) {
            long[] ids = encoded.get(row);
            System.arraycopy(ids, 0, inputIds, row * length, ids.length);
            Arrays.fill(attentionMask, row * length, row * length + ids.length, 1);
        }
        return new TokenBatch(texts.size(), length, inputIds, attentionMask, new long[inputIds.length]);
    }

    /** The token ids of {@code text} without special tokens, as a stream of a longer text would hold them. */
    public long[] encode(String text) {
        return stream.encode(text).getIds();
    }

    /** The token ids of one line as the tokenizer's post-processor frames a text (e.g. {@code [CLS] … [SEP]}). */
    public long[] encodeLine(String line) {
        return lines.encode(line).getIds();
    }

    /**
     * The special tokens this tokenizer puts before a text (a BOS token, {@code [CLS]}), found by encoding a probe
     * with and without them.
     */
    public long[] prefix() {
        String probe = "hello world";
        long[] plain = stream.encode(probe).getIds();
        Encoding framed = stream.encode(probe, true, false);
        long[] ids = framed.getIds();
        for (int start = 0; start + plain.length <= ids.length; start++) {
            if (Arrays.equals(ids, start, start + plain.length, plain, 0, plain.length)) {
                return Arrays.copyOf(ids, start);
            }
        }
        return new long[0];
    }

    /**
     * Reads and tokenizes a UTF-8 text file: the whole text as one stream, and each non-empty line on its own.
     *
     * @param text    the file; its name goes into the report as given
     * @throws IOException                when the file cannot be read
     * @throws IllegalArgumentException   when the file is not UTF-8 text or holds no text
     */
    public TokenizedText tokenize(Path text) throws IOException {
        byte[] bytes = Files.readAllBytes(text);
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(text + " is not UTF-8 text: " + e.getMessage(), e);
        }
        List<String> nonEmpty = content.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (nonEmpty.isEmpty()) {
            throw new IllegalArgumentException(text + " holds no text");
        }
        List<long[]> encodedLines = new ArrayList<>(nonEmpty.size());
        for (String line : nonEmpty) {
            encodedLines.add(encodeLine(line));
        }
        return new TokenizedText(text.toString(), Sha256.of(bytes), encode(content), prefix(), encodedLines);
    }

    /** The {@code tokenizer.json} this was read from. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        stream.close();
        lines.close();
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** Where DJL unpacks its native library, and that it stays offline. */
    static final class NativeLibrary {

        private NativeLibrary() {
        }

        static synchronized void prepare() {
            if (System.getProperty("ai.djl.offline") == null) {
                System.setProperty("ai.djl.offline", "true");
            }
            // the jar carries the CPU build only; any other flavour (a CUDA one on a GPU machine) would be downloaded
            if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
                System.setProperty("RUST_FLAVOR", "cpu");
            }
            boolean configured = System.getenv("DJL_CACHE_DIR") != null || System.getenv("ENGINE_CACHE_DIR") != null
                    || System.getProperty("DJL_CACHE_DIR") != null || System.getProperty("ENGINE_CACHE_DIR") != null;
            if (configured) {
                return;
            }
            Path home = Path.of(System.getProperty("user.home", "."));
            Path cache = home.resolve(".djl.ai");
            boolean writable = Files.isDirectory(cache) ? Files.isWritable(cache) : Files.isWritable(home);
            if (!writable) {
                System.setProperty("ENGINE_CACHE_DIR",
                        Path.of(System.getProperty("java.io.tmpdir"), "modelpress-djl-" + System.getProperty("user.name", "user"))
                                .toString());
            }
        }
    }
}
