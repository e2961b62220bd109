package com.modelpress.api.webhook;

import com.modelpress.api.job.JobLookup;
import com.modelpress.api.security.Caller;
import com.modelpress.api.web.ProblemResponses;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.UUID;

@RestController
@Tag(name = "webhooks")
class WebhookDeliveryController {

    private final JobLookup jobs;
    private final WebhookDeliveries deliveries;

    WebhookDeliveryController(JobLookup jobs, WebhookDeliveries deliveries) {
        this.jobs = jobs;
        this.deliveries = deliveries;
    }

    @GetMapping(path = "/api/v1/jobs/{id}/webhook-deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The webhook deliveries of a job, oldest first: each attempt's status code and latency, "
            + "and when the next try is due",
            description = "404 for a job of another owner, as for one that does not exist.")
    @ProblemResponses({400, 404})
    List<WebhookDeliveryView> deliveries(@PathVariable UUID id, Caller caller) {
        jobs.requireVisible(id, caller);
        return deliveries.forJob(id);
    }
}
