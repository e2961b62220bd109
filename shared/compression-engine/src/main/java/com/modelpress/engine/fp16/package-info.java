/** The {@code fp16} method: float16 weights, decoded to float32 by a {@code Cast} so the graph's types stay. */
package com.modelpress.engine.fp16;
