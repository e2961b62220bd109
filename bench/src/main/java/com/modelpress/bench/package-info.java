/**
 * Benchmarks that measure how close ModelPress's compressed models stay to the originals on real sentence
 * embedders, and how fast the engine compresses; results are written to {@code docs/BENCHMARKS.md}.
 */
package com.modelpress.bench;
