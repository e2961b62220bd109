package com.modelpress.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A BERT WordPiece tokenizer read from a HuggingFace {@code tokenizer.json}: {@link BertNormalizer}, then
 * {@link BertPreTokenizer}, then greedy longest-match-first WordPiece per word, then {@code [CLS] … [SEP]}
 * with truncation to {@link #maxLength()} tokens. Immutable and thread-safe.
 */
public final class WordPieceTokenizer {

    /** Tokens per text, special tokens included, unless a caller asks for another limit. */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private final Map<String, Integer> vocab;
    private final BertNormalizer normalizer;
    private final String unkToken;
    private final String continuingPrefix;
    private final int maxCharsPerWord;
    private final int maxLength;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final int unkId;

    private WordPieceTokenizer(Map<String, Integer> vocab, BertNormalizer normalizer, String unkToken,
                               String continuingPrefix, int maxCharsPerWord, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must leave room for [CLS] and [SEP], was " + maxLength);
        }
        this.vocab = Map.copyOf(vocab);
        this.normalizer = normalizer;
        this.unkToken = unkToken;
        this.continuingPrefix = continuingPrefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.maxLength = maxLength;
        this.clsId = requireToken("[CLS]");
        this.sepId = requireToken("[SEP]");
        this.padId = requireToken("[PAD]");
        this.unkId = requireToken(unkToken);
    }

    /**
     * @param tokenizerJson a HuggingFace {@code tokenizer.json} of a WordPiece model
     * @param maxLength     tokens per text after truncation, {@code [CLS]} and {@code [SEP]} included; at least 2
     * @throws UnsupportedTokenizerException when the file describes another kind of tokenizer
     */
    public static WordPieceTokenizer read(Path tokenizerJson, int maxLength) throws IOException {
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return read(in, maxLength);
        }
    }

    /**
     * @param tokenizerJson a HuggingFace {@code tokenizer.json}; read fully, not closed
     * @param maxLength     as in {@link #read(Path, int)}
     * @throws UnsupportedTokenizerException when the JSON describes another kind of tokenizer
     */
    public static WordPieceTokenizer read(InputStream tokenizerJson, int maxLength) {
        JsonNode root = JsonMapper.builder().build().readTree(tokenizerJson);
        JsonNode model = root.path("model");
        require(model, "type", "WordPiece", "model.type");
        require(root.path("pre_tokenizer"), "type", "BertPreTokenizer", "pre_tokenizer.type");
        JsonNode normalizerNode = root.path("normalizer");
        require(normalizerNode, "type", "BertNormalizer", "normalizer.type");

        boolean lowercase = normalizerNode.path("lowercase").asBoolean(true);
        JsonNode stripAccents = normalizerNode.path("strip_accents");
        // as in BERT: strip_accents left unset follows lowercase
        BertNormalizer normalizer = new BertNormalizer(
                normalizerNode.path("clean_text").asBoolean(true),
                normalizerNode.path("handle_chinese_chars").asBoolean(true),
                stripAccents.isBoolean() ? stripAccents.booleanValue() : lowercase,
                lowercase);

        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : model.path("vocab").properties()) {
            vocab.put(entry.getKey(), entry.getValue().intValue());
        }
        if (vocab.isEmpty()) {
            throw new UnsupportedTokenizerException("model.vocab", "empty or missing");
        }
        return new WordPieceTokenizer(vocab, normalizer,
                model.path("unk_token").asString("[UNK]"),
                model.path("continuing_subword_prefix").asString("##"),
                model.path("max_input_chars_per_word").asInt(100),
                maxLength);
    }

    private static void require(JsonNode node, String field, String expected, String path) {
        String actual = node.path(field).asString(null);
        if (!expected.equals(actual)) {
            throw new UnsupportedTokenizerException(path, actual);
        }
    }

    private int requireToken(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new UnsupportedTokenizerException("model.vocab[\"" + token + "\"]", null);
        }
        return id;
    }

    /** @return tokens per text after truncation, special tokens included */
    public int maxLength() {
        return maxLength;
    }

    /** @return the id of {@code [PAD]} */
    public int padId() {
        return padId;
    }

    /**
     * @param text never null
     * @return the word pieces of {@code text} without special tokens and without truncation, never null
     */
    public List<String> tokenize(String text) {
        List<String> pieces = new ArrayList<>();
        for (String word : BertPreTokenizer.split(normalizer.normalize(text))) {
            appendWordPieces(word, pieces);
        }
        return pieces;
    }

    /**
     * @param text never null
     * @return {@code [CLS]}, the ids of the first {@code maxLength - 2} word pieces, {@code [SEP]}
     */
    public int[] encode(String text) {
        List<String> pieces = tokenize(text);
        int kept = Math.min(pieces.size(), maxLength - 2);
        int[] ids = new int[kept + 2];
        ids[0] = clsId;
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = vocab.getOrDefault(pieces.get(i), unkId);
        }
        ids[kept + 1] = sepId;
        return ids;
    }

    /**
     * @param texts never null nor empty
     * @return every text {@linkplain #encode(String) encoded} and padded to the longest one
     */
    public TokenBatch encodeBatch(List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one text");
        }
        List<int[]> encoded = texts.stream().map(this::encode).toList();
        int length = encoded.stream().mapToInt(ids -> ids.length).max().orElseThrow();
        long[] inputIds = new long[texts.size() * length];
        long[] attentionMask = new long[inputIds.length];
        for (int row = 0; row < encoded.size(); row++) {
            int[] ids = encoded.get(row);
            for (int col = 0; col < length; col++) {
                int cell = row * length + col;
                boolean real = col < ids.length;
                inputIds[cell] = real ? ids[col] : padId;
                attentionMask[cell] = real ? 1 : 0;
            }
        }
        return new TokenBatch(texts.size(), length, inputIds, attentionMask, new long[inputIds.length]);
    }

    /** Greedy longest-match-first; a word with any unmatched part becomes a single unknown token. */
    private void appendWordPieces(String word, List<String> pieces) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > maxCharsPerWord) {
            pieces.add(unkToken);
            return;
        }
        List<String> wordPieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            String match = null;
            int end = cps.length;
            for (; end > start; end--) {
                String candidate = new String(cps, start, end - start);
                if (start > 0) {
                    candidate = continuingPrefix + candidate;
                }
                if (vocab.containsKey(candidate)) {
                    match = candidate;
                    break;
                }
            }
            if (match == null) {
                pieces.add(unkToken);
                return;
            }
            wordPieces.add(match);
            start = end;
        }
        pieces.addAll(wordPieces);
    }
}
