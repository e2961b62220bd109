/**
 * One attempt at a job, start to end: {@link com.modelpress.worker.attempt.JobRunner} publishes {@code Started} and
 * heartbeats, checks the request, has the input fetched ({@code input}), the engine run ({@code sandbox}), the
 * artifacts stored ({@link com.modelpress.worker.attempt.ArtifactWriter}), and ends the attempt with one terminal
 * event and a {@link com.modelpress.worker.attempt.Disposition} for the job message. Also the set of cancelled jobs
 * and the Spring wiring of the run ({@code RunConfiguration}). The only package that knows the others.
 * Progress step names: {@code download}, then the engine's {@code read}, {@code compress}, {@code write},
 * {@code evaluate}, then {@code upload}.
 */
package com.modelpress.worker.attempt;
