/**
 * What the HTTP API says about itself: the OpenAPI document (info, the shared {@code Problem} schema) and the
 * {@link com.modelpress.api.web.ProblemResponses} annotation endpoints use to document their errors.
 */
package com.modelpress.api.web;
