package com.modelpress.api.webhook;

import java.time.Duration;

/**
 * @param overlap nullable: {@code modelpress.webhooks.rotation-overlap}; how long the old secret still signs beside
 *                the new one (ISO-8601, e.g. {@code PT24H}; {@code PT0S} retires it at once)
 */
record RotateSecretRequest(Duration overlap) {
}
