/**
 * The dashboard: static HTML, CSS and JavaScript at {@code /} and {@code /assets/*}, served from this jar without a key
 * and behind a strict Content-Security-Policy; every piece of data it shows comes from the {@code /api} endpoints,
 * which it calls with the API key the user signs in with.
 */
package com.modelpress.api.dashboard;
