/**
 * Migrate-only mode ({@code modelpress.api.migrate-only=true}): apply the Flyway migrations and exit, so that a
 * release migrates the schema once (a compose one-shot service, a Helm hook Job) before replicas start with
 * {@code spring.flyway.enabled=false}.
 */
package com.modelpress.api.migration;
