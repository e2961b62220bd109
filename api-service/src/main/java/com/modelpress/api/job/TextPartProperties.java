package com.modelpress.api.job;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of the language-model parts of a submit ({@code calibrationText}, {@code evaluationText}, {@code tokenizer}).
 * Each part also counts against the whole upload's limit ({@code modelpress.api.max-upload-size}).
 *
 * @param maxTextSize      largest calibration or evaluation text
 * @param maxTokenizerSize largest {@code tokenizer.json} (Llama 3's is 9 MB, Gemma's 34 MB)
 */
@ConfigurationProperties("modelpress.api.text")
record TextPartProperties(
        @DefaultValue("32MB") DataSize maxTextSize,
        @DefaultValue("64MB") DataSize maxTokenizerSize) {

    TextPartProperties {
        if (maxTextSize.toBytes() < 1 || maxTokenizerSize.toBytes() < 1) {
            throw new IllegalArgumentException("modelpress.api.text.max-text-size and max-tokenizer-size must be positive, "
                    + "not %s and %s".formatted(maxTextSize, maxTokenizerSize));
        }
    }
}
