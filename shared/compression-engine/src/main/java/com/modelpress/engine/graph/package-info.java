/**
 * ONNX model I/O: reading models (memory-mapped, tensors never copied until used), resolving and
 * confining external data, finding every weight tensor (initializers, {@code Constant} nodes, subgraphs),
 * and writing models back with external data when they need it.
 */
package com.modelpress.engine.graph;
