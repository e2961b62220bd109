package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.files.Sha256;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The language-model parts of a submit: {@value #CALIBRATION_TEXT} and {@value #EVALUATION_TEXT} (UTF-8 text files)
 * and {@value #TOKENIZER} (the model's Hugging Face {@code tokenizer.json}). {@link #check} reads each part once, before
 * anything is stored: sizes, UTF-8, SHA-256, the JSON shape of the tokenizer, and how the parts and the request fit
 * together; {@link #store} then streams them to artifact storage. What only the Hugging Face library can tell (does it
 * read this tokenizer, does the text fit the model's vocabulary and one window) the worker finds out.
 *
 * <p>Thread-safe: holds only collaborators.
 */
@Component
class JobTextParts {

    static final String CALIBRATION_TEXT = "calibrationText";
    static final String EVALUATION_TEXT = "evaluationText";
    static final String TOKENIZER = "tokenizer";
    /** The model types a {@code tokenizer.json} holds ({@code model.type}). */
    static final Set<String> TOKENIZER_MODELS = Set.of("BPE", "WordPiece", "Unigram", "WordLevel");
    private static final int MAX_FILE_NAME = 128;
    private static final int BUFFER = 1 << 16;

    private final ArtifactStore store;
    private final JsonMapper json;
    private final TextPartProperties limits;

    JobTextParts(ArtifactStore store, JsonMapper json, TextPartProperties limits) {
        this.store = store;
        this.json = json;
        this.limits = limits;
    }

    /** The parts as the controller received them; each nullable. */
    record Uploads(MultipartFile calibrationText, MultipartFile evaluationText, MultipartFile tokenizer) {

        static Uploads none() {
            return new Uploads(null, null, null);
        }

        boolean any() {
            return calibrationText != null || evaluationText != null || tokenizer != null;
        }
    }

    /** A part that passed {@link #check}: its content, the name it is stored under, its SHA-256. */
    record Checked(String part, MultipartFile file, String name, String sha256) {}

    /** @param calibrationText nullable; @param evaluationText nullable; @param tokenizer nullable */
    record Texts(Checked calibrationText, Checked evaluationText, Checked tokenizer) {

        static final Texts NONE = new Texts(null, null, null);

        /** The parts' digests for the request hash, in a fixed order; empty without texts. */
        String digests() {
            StringBuilder text = new StringBuilder();
            for (Checked part : new Checked[] {calibrationText, evaluationText, tokenizer}) {
                if (part != null) {
                    text.append('\n').append(part.part()).append('=').append(part.sha256());
                }
            }
            return text.toString();
        }
    }

    /**
     * Reads every part once and checks it; nothing is stored.
     *
     * @param calibrationSamples whether the submit also carries a {@code calibration} archive
     * @throws RequestPartTooLargeException       a part beyond its limit
     * @throws InvalidTextFileException           a text that is not UTF-8 or holds no text
     * @throws InvalidTokenizerFileException      a tokenizer that is not a tokenizer.json
     * @throws InvalidCompressionRequestException parts that do not fit together or with the request (a text without a
     *                                            tokenizer, the same text twice, …)
     */
    Texts check(CompressionRequest request, Uploads uploads, boolean calibrationSamples) throws IOException {
        List<InvalidCompressionRequestException.Violation> violations = new ArrayList<>();
        boolean calibration = uploads.calibrationText() != null;
        boolean evaluation = uploads.evaluationText() != null;
        boolean text = calibration || evaluation;
        if (text && uploads.tokenizer() == null) {
            violations.add(violation(TOKENIZER, "is required with %s: the model's own Hugging Face tokenizer.json"
                    .formatted(calibration ? CALIBRATION_TEXT : EVALUATION_TEXT)));
        }
        if (!text && uploads.tokenizer() != null) {
            violations.add(violation(TOKENIZER, "is only used with a %s or %s part".formatted(CALIBRATION_TEXT, EVALUATION_TEXT)));
        }
        if (calibration && calibrationSamples) {
            violations.add(violation(CALIBRATION_TEXT, "and the calibration samples exclude each other"));
        }
        CompressionRequest.Target target = request.target();
        if (target != null && target.maxPplIncrease() != null && !evaluation) {
            violations.add(violation("target.maxPplIncrease", "needs an %s part: perplexity is measured on text"
                    .formatted(EVALUATION_TEXT)));
        }
        if (request.evaluation().context() != null && !text) {
            violations.add(violation("evaluation.context", "sets the window of a %s or %s; the job has neither"
                    .formatted(CALIBRATION_TEXT, EVALUATION_TEXT)));
        }
        if (!violations.isEmpty()) {
            throw new InvalidCompressionRequestException(violations);
        }
        if (!uploads.any()) {
            return Texts.NONE;
        }
        Checked calibrationText = calibration ? checkText(CALIBRATION_TEXT, uploads.calibrationText(), "calibration.txt") : null;
        Checked evaluationText = evaluation ? checkText(EVALUATION_TEXT, uploads.evaluationText(), "evaluation.txt") : null;
        Checked tokenizer = checkTokenizer(uploads.tokenizer());
        if (calibrationText != null && evaluationText != null && calibrationText.sha256().equals(evaluationText.sha256())) {
            throw new InvalidCompressionRequestException(List.of(violation(EVALUATION_TEXT, ("is the same text as the %s "
                    + "(sha256 %s): fidelity must be measured on text calibration did not see")
                    .formatted(CALIBRATION_TEXT, evaluationText.sha256()))));
        }
        return new Texts(calibrationText, evaluationText, tokenizer);
    }

    /** The checked parts streamed to {@code jobs/{id}/input/<part>/<name>}, each within its limit. */
    record Stored(JobMessage.InputFile calibrationText, JobMessage.InputFile evaluationText,
                  JobMessage.InputFile tokenizer) {

        static final Stored NONE = new Stored(null, null, null);

        boolean any() {
            return calibrationText != null || evaluationText != null || tokenizer != null;
        }
    }

    /**
     * @throws com.modelpress.storage.ArtifactTooLargeException when a part grew beyond its limit since it was checked
     */
    Stored store(UUID jobId, Texts texts) throws IOException {
        return new Stored(store(jobId, texts.calibrationText(), limits.maxTextSize().toBytes()),
                store(jobId, texts.evaluationText(), limits.maxTextSize().toBytes()),
                store(jobId, texts.tokenizer(), limits.maxTokenizerSize().toBytes()));
    }

    private JobMessage.InputFile store(UUID jobId, Checked part, long limit) throws IOException {
        if (part == null) {
            return null;
        }
        String key = "jobs/%s/input/%s/%s".formatted(jobId, part.part(), part.name());
        StoredArtifact stored;
        try (InputStream content = part.file().getInputStream()) {
            stored = store.put(key, content, limit);
        }
        if (!stored.sha256().equals(part.sha256())) {
            throw new IOException("the '%s' part changed while it was stored (sha256 %s, checked %s)".formatted(part.part(),
                    stored.sha256(), part.sha256()));
        }
        return new JobMessage.InputFile(stored.key(), part.name(), stored.sha256());
    }

    private Checked checkText(String part, MultipartFile file, String fallbackName) throws IOException {
        String name = fileName(file.getOriginalFilename(), fallbackName);
        checkSize(part, file, limits.maxTextSize().toBytes(), "modelpress.api.text.max-text-size");
        MessageDigest digest = Sha256.digest();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(BUFFER);
        CharBuffer chars = CharBuffer.allocate(BUFFER);
        boolean text = false;
        long offset = 0;
        try (InputStream in = file.getInputStream()) {
            byte[] buffer = new byte[BUFFER / 2];
            for (int read; (read = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, read);
                bytes.put(buffer, 0, read).flip();
                text |= decode(decoder, bytes, chars, false, part, name, offset);
                offset += bytes.position();
                bytes.compact();
            }
            bytes.flip();
            text |= decode(decoder, bytes, chars, true, part, name, offset);
            chars.clear();
            CoderResult flushed = decoder.flush(chars);
            if (flushed.isError()) {
                throw new InvalidTextFileException(part, name, "is not UTF-8 text: it ends inside a character");
            }
        }
        if (!text) {
            throw new InvalidTextFileException(part, name, "holds no text");
        }
        return new Checked(part, file, name, Sha256.hex(digest));
    }

    /** Decodes what {@code bytes} holds; @return whether a character other than white space was seen */
    private static boolean decode(CharsetDecoder decoder, ByteBuffer bytes, CharBuffer chars, boolean last, String part,
                                  String name, long offset) {
        boolean text = false;
        while (true) {
            chars.clear();
            CoderResult result = decoder.decode(bytes, chars, last);
            chars.flip();
            while (chars.hasRemaining()) {
                text |= !Character.isWhitespace(chars.get());
            }
            if (result.isError()) {
                throw new InvalidTextFileException(part, name, "is not UTF-8 text: malformed bytes near offset "
                        + (offset + bytes.position()));
            }
            if (result.isUnderflow()) {
                return text;
            }
        }
    }

    /**
     * A {@code tokenizer.json} as the Hugging Face format defines it: a JSON object with a {@code model} object that has
     * a {@code vocab}, and a {@code type} (when it names one) the format knows. Read as a stream, never as a tree.
     */
    private Checked checkTokenizer(MultipartFile file) throws IOException {
        String name = fileName(file.getOriginalFilename(), "tokenizer.json");
        checkSize(TOKENIZER, file, limits.maxTokenizerSize().toBytes(), "modelpress.api.text.max-tokenizer-size");
        MessageDigest digest = Sha256.digest();
        boolean model = false;
        boolean vocab = false;
        String type = null;
        try (InputStream in = new java.security.DigestInputStream(file.getInputStream(), digest);
             JsonParser parser = json.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidTokenizerFileException(name, "it is not a JSON object");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("model".equals(field) && value == JsonToken.START_OBJECT) {
                    model = true;
                    for (JsonToken inner = parser.nextToken(); inner != JsonToken.END_OBJECT; inner = parser.nextToken()) {
                        String member = parser.currentName();
                        JsonToken memberValue = parser.nextToken();
                        if ("vocab".equals(member) && (memberValue == JsonToken.START_OBJECT
                                || memberValue == JsonToken.START_ARRAY)) {
                            vocab = true;
                        } else if ("type".equals(member) && memberValue == JsonToken.VALUE_STRING) {
                            type = parser.getString();
                        }
                        parser.skipChildren();
                    }
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw new InvalidTokenizerFileException(name, "more follows its JSON object");
            }
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (JacksonException e) {
            throw new InvalidTokenizerFileException(name, "it is not valid JSON: " + e.getOriginalMessage());
        }
        if (!model || !vocab) {
            throw new InvalidTokenizerFileException(name, "it has no \"model\" object with a \"vocab\"");
        }
        if (type != null && !TOKENIZER_MODELS.contains(type)) {
            throw new InvalidTokenizerFileException(name, "its model type '%s' is not one of %s".formatted(
                    type.length() > 40 ? type.substring(0, 40) + "…" : type, TOKENIZER_MODELS.stream().sorted().toList()));
        }
        return new Checked(TOKENIZER, file, name, Sha256.hex(digest));
    }

    private static void checkSize(String part, MultipartFile file, long limit, String property) {
        if (file.getSize() > limit) {
            throw new RequestPartTooLargeException(part, file.getSize(), limit, property);
        }
    }

    /** The last path segment, reduced to {@code [A-Za-z0-9._-]}, without leading dots; {@code fallback} when nothing is left. */
    static String fileName(String original, String fallback) {
        String name = original == null ? "" : original.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.]+", "");
        if (name.length() > MAX_FILE_NAME) {
            name = name.substring(name.length() - MAX_FILE_NAME);
        }
        return name.isEmpty() ? fallback : name;
    }

    private static InvalidCompressionRequestException.Violation violation(String field, String message) {
        return new InvalidCompressionRequestException.Violation(field, message);
    }
}
