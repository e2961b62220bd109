/**
 * Jobs: submission (upload, validation, idempotency), the {@code CompressionJob} record and its guarded
 * lifecycle, the REST resource, workers' events applied to jobs, and the event log streamed to clients.
 */
package com.modelpress.api.job;
