/**
 * Errors as RFC 9457 {@code application/problem+json} with a stable {@code code} member, for every failure:
 * the API's own exceptions, Spring MVC's, and the servlet container's error page. The one place where
 * exceptions become HTTP statuses.
 */
package com.modelpress.api.problem;
