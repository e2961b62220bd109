package com.modelpress.api.webhook;

import com.modelpress.api.job.JobChanged;
import com.modelpress.api.job.JobView;
import com.modelpress.api.tracing.TraceContexts;
import com.modelpress.contracts.CompressionRequest;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Turns a {@link JobChanged} into delivery rows, in the transaction of the change: one per receiver that wants the
 * event (the job's own webhook, the owner's subscriptions), each with the exact body every attempt will send and the
 * trace context of the change. After the commit the dispatcher is woken, so the first attempt does not wait for its
 * next poll. Also reads a job's delivery log. Thread-safe.
 */
@Component
class WebhookDeliveries {

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final WebhookSubscriptionRepository subscriptions;
    private final WebhookProperties properties;
    private final TraceContexts traces;
    private final WebhookDispatcher dispatcher;

    WebhookDeliveries(JdbcClient jdbc, JsonMapper json, WebhookSubscriptionRepository subscriptions,
                      WebhookProperties properties, TraceContexts traces, WebhookDispatcher dispatcher) {
        this.jdbc = jdbc;
        this.json = json;
        this.subscriptions = subscriptions;
        this.properties = properties;
        this.traces = traces;
        this.dispatcher = dispatcher;
    }

    private record Receiver(UUID subscriptionId, String url) {}

    /** Runs inside the transaction that changed the job (JobChanged is published there, synchronously). */
    @EventListener
    void onJobChanged(JobChanged changed) {
        WebhookEvent event = WebhookEvent.of(changed.change());
        JobView job = changed.job();
        List<Receiver> receivers = new ArrayList<>();
        CompressionRequest.Webhook own = job.request().webhook();
        if (own != null && ownEvents(own).contains(event)) {
            receivers.add(new Receiver(null, own.url()));
        }
        subscriptions.findByOwnerAndDisabledAtIsNull(job.owner()).stream()
                .filter(subscription -> subscription.wants(event))
                .forEach(subscription -> receivers.add(new Receiver(subscription.id(), subscription.url())));
        if (receivers.isEmpty()) {
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String body = json.writeValueAsString(new WebhookPayload(event.type(), now, job, changed.progress()));
        Map<String, String> traceContext = traces.current();
        String traceJson = traceContext.isEmpty() ? null : json.writeValueAsString(traceContext);
        int written = 0;
        for (Receiver receiver : receivers) {
            if (event == WebhookEvent.PROGRESS && progressSentRecently(job.id(), receiver, now)) {
                continue;
            }
            jdbc.sql("""
                            insert into webhook_deliveries (id, job_id, owner, subscription_id, url, event_type, payload,
                                                            trace_context, status, attempts, next_attempt_at, created_at)
                            values (:id, :jobId, :owner, :subscriptionId, :url, :type, :payload,
                                    cast(:traceContext as jsonb), 'PENDING', 0, :now, :now)""")
                    .param("id", UUID.randomUUID())
                    .param("jobId", job.id())
                    .param("owner", job.owner())
                    .param("subscriptionId", receiver.subscriptionId())
                    .param("url", receiver.url())
                    .param("type", event.type())
                    .param("payload", body)
                    .param("traceContext", traceJson)
                    .param("now", Timestamp.from(now))
                    .update();
            written++;
        }
        if (written > 0 && TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    dispatcher.wake();
                }
            });
        }
    }

    private static Set<WebhookEvent> ownEvents(CompressionRequest.Webhook webhook) {
        if (webhook.events().isEmpty()) {
            return WebhookEvent.TERMINAL;
        }
        Set<WebhookEvent> events = java.util.EnumSet.noneOf(WebhookEvent.class);
        webhook.events().forEach(type -> WebhookEvent.ofType(type).ifPresent(events::add));
        return events;
    }

    private boolean progressSentRecently(UUID jobId, Receiver receiver, Instant now) {
        return jdbc.sql("""
                        select exists (select 1 from webhook_deliveries
                                       where job_id = :jobId and event_type = :type and url = :url
                                         and subscription_id is not distinct from :subscriptionId
                                         and created_at > :since)""")
                .param("jobId", jobId)
                .param("type", WebhookEvent.PROGRESS.type())
                .param("url", receiver.url())
                .param("subscriptionId", receiver.subscriptionId())
                .param("since", Timestamp.from(now.minus(properties.progressInterval())))
                .query(Boolean.class)
                .single();
    }

    /** A job's deliveries, oldest first, each with its attempts in order. */
    List<WebhookDeliveryView> forJob(UUID jobId) {
        Map<UUID, List<WebhookDeliveryView.Attempt>> attempts = new HashMap<>();
        jdbc.sql("""
                        select a.delivery_id, a.attempt, a.started_at, a.status_code, a.latency_ms, a.error
                        from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id
                        where d.job_id = :jobId order by a.delivery_id, a.attempt""")
                .param("jobId", jobId)
                .query(rs -> {
                    Integer status = (Integer) rs.getObject("status_code");
                    attempts.computeIfAbsent(rs.getObject("delivery_id", UUID.class), id -> new ArrayList<>())
                            .add(new WebhookDeliveryView.Attempt(rs.getInt("attempt"),
                                    rs.getTimestamp("started_at").toInstant(), status, rs.getLong("latency_ms"),
                                    rs.getString("error")));
                });
        Map<UUID, WebhookDeliveryView> deliveries = new LinkedHashMap<>();
        jdbc.sql("""
                        select id, event_type, url, subscription_id, status, attempts, created_at, next_attempt_at,
                               finished_at, last_error
                        from webhook_deliveries where job_id = :jobId order by created_at, id""")
                .param("jobId", jobId)
                .query(rs -> {
                    UUID id = rs.getObject("id", UUID.class);
                    String status = rs.getString("status").toLowerCase(java.util.Locale.ROOT);
                    deliveries.put(id, new WebhookDeliveryView(WebhookDispatcher.webhookId(id), rs.getString("event_type"),
                            rs.getString("url"), rs.getObject("subscription_id", UUID.class), status,
                            rs.getInt("attempts"), rs.getTimestamp("created_at").toInstant(),
                            status.equals("pending") ? instant(rs.getTimestamp("next_attempt_at")).orElse(null) : null,
                            instant(rs.getTimestamp("finished_at")).orElse(null), rs.getString("last_error"),
                            List.copyOf(attempts.getOrDefault(id, List.of()))));
                });
        return List.copyOf(deliveries.values());
    }

    private static Optional<Instant> instant(Timestamp timestamp) {
        return Optional.ofNullable(timestamp).map(Timestamp::toInstant);
    }
}
