package com.modelpress.api.job;

import com.modelpress.api.security.Caller;
import com.modelpress.contracts.CompressionRequest;

import java.util.List;

/** Decides whether a submitted job's webhook is acceptable (the webhook feature implements it). Thread-safe. */
public interface JobWebhookPolicy {

    /** @return every rule the webhook breaks, as fields under {@code webhook.}; empty when it is acceptable */
    List<InvalidCompressionRequestException.Violation> check(CompressionRequest.Webhook webhook, Caller caller);
}
