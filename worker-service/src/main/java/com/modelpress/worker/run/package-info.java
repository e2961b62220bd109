/**
 * One attempt at a job: fetch and verify the input, extract archives safely, run the engine, store the
 * artifacts, and report it all as {@link com.modelpress.contracts.job.JobEvent}s with sequence numbers from 1.
 * Progress step names: {@code download}, then the engine's {@code read}, {@code compress}, {@code write},
 * {@code evaluate}, then {@code upload}.
 */
package com.modelpress.worker.run;
