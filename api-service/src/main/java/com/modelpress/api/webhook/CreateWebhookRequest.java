package com.modelpress.api.webhook;

import java.util.List;

/**
 * @param url         where events go: {@code https} (or {@code http} where the operator allows it), a public address
 *                    unless the operator's allow-list names it
 * @param events      nullable or empty: every type; else some of {@code job.succeeded}, {@code job.failed},
 *                    {@code job.cancelled}, {@code job.progress}
 * @param description nullable
 */
record CreateWebhookRequest(String url, List<String> events, String description) {
}
