/**
 * Tracing (off unless {@code modelpress.tracing.enabled=true}): the trace context of a change is kept with the rows it
 * writes (outbox, webhook deliveries), so that the thread that later acts on a row continues the same trace.
 */
package com.modelpress.api.tracing;
