/**
 * Webhooks: a job's own webhook ({@code "webhook": {"url": …}} in its request) and an owner's subscriptions, signed
 * per Standard Webhooks, delivered at least once from the {@code webhook_deliveries} table with retries, behind a
 * guard against requests to internal addresses (SSRF).
 */
package com.modelpress.api.webhook;
