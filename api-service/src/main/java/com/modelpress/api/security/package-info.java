/**
 * Who is calling: API keys (created by admins, shown once, stored as SHA-256 hashes), the operator's admin key,
 * the servlet filter that authenticates every {@code /api/**} request and applies the per-key request rate limit,
 * and the {@link com.modelpress.api.security.Caller} that controllers use to scope what a caller may see.
 */
package com.modelpress.api.security;
