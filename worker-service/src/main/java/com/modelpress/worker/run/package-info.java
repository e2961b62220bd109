/**
 * One attempt at a job: fetch and verify the input, extract archives safely, run the engine (in a child JVM per
 * attempt: {@link com.modelpress.worker.run.SandboxChild}, with a heap and a time limit), store the artifacts,
 * and report it all as {@link com.modelpress.contracts.job.JobEvent}s with sequence numbers from 1.
 * Progress step names: {@code download}, then the engine's {@code read}, {@code compress}, {@code write},
 * {@code evaluate}, then {@code upload}.
 */
package com.modelpress.worker.run;
