/** Tiny ONNX models built in code, with seeded weights, for tests across the engine. */
package com.modelpress.engine.testing;
