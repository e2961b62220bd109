/**
 * Text to model inputs with the model's own Hugging Face {@code tokenizer.json}, of any kind, through the Hugging Face
 * {@code tokenizers} library (DJL's binding): {@link com.modelpress.tokenizer.TextTokenizer} makes the engine's
 * {@link com.modelpress.engine.evaluation.TokenizedText} and padded batches; {@link com.modelpress.tokenizer.TokenizedSamples}
 * writes lines as engine sample folders.
 */
package com.modelpress.tokenizer;
