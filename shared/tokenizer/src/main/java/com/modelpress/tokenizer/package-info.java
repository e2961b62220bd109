/**
 * Text to model inputs: {@link com.modelpress.tokenizer.TextTokenizer}, a model's own Hugging Face
 * {@code tokenizer.json} of any kind through the Hugging Face {@code tokenizers} library (DJL's binding), producing the
 * engine's {@link com.modelpress.engine.evaluation.TokenizedText}; and the hand-written BERT WordPiece tokenizer with
 * its sample-folder writer that the benchmarks use.
 */
package com.modelpress.tokenizer;
