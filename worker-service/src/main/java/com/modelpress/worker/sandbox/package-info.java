/**
 * Where the engine runs: in a child JVM per attempt ({@link com.modelpress.worker.sandbox.SandboxedEngine} starts
 * {@link com.modelpress.worker.sandbox.SandboxChild}, with a heap and a time limit, and judges how it ended) or, when
 * the sandbox is off, in the worker's own JVM ({@link com.modelpress.worker.sandbox.InProcessEngine}). The child is
 * plain Java: nothing in this package needs Spring at run time.
 */
package com.modelpress.worker.sandbox;
