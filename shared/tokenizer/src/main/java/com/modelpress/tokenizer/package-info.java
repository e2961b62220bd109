/**
 * Text to model inputs: a BERT WordPiece tokenizer read from a Hugging Face {@code tokenizer.json}, and the
 * writer that turns lines of text into engine sample folders (for calibration or evaluation).
 */
package com.modelpress.tokenizer;
