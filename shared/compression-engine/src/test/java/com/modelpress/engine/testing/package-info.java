/**
 * ONNX models built in code, with seeded weights, for tests across the engine: tiny ones, and large ones with
 * external data ({@link com.modelpress.engine.testing.LargeModels}, also used by the worker's tests through the
 * engine's test-jar).
 */
package com.modelpress.engine.testing;
