package com.modelpress.api.webhook;

import com.modelpress.api.tracing.TraceContexts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends due deliveries. A pass claims due rows with {@code FOR UPDATE SKIP LOCKED} and leases them (moves their next
 * attempt past the longest an attempt can take), so several API instances share the work and a row claimed by an
 * instance that dies is taken up again when its lease ends. Each attempt is signed afresh (new
 * {@code webhook-timestamp}, the secrets that sign now), posted outside any transaction, then recorded with its result:
 * 2xx delivers; {@code 410 Gone} gives up (and disables a subscription); anything else is tried again on the
 * {@link RetrySchedule} until it gives up. At least once: a receiver dedupes on {@code webhook-id}.
 *
 * <p>Thread-safe: {@link #wake()} may be called from any thread; passes run on one thread, attempts on
 * {@code modelpress.webhooks.concurrency} others.
 */
class WebhookDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    /** Beyond the request timeout, before another instance may take a claimed row. */
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(30);
    private static final int MAX_ERROR = 1000;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final JsonMapper json;
    private final WebhookHttp http;
    private final RetrySchedule schedule;
    private final TraceContexts traces;
    private final MeterRegistry meters;
    private final Duration lease;
    private final Semaphore slots;
    private final ExecutorService passes = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("webhook-dispatch").daemon().factory());
    private final ExecutorService senders;
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private volatile boolean closed;

    WebhookDispatcher(JdbcClient jdbc, TransactionTemplate transactions, JsonMapper json, WebhookHttp http,
                      RetrySchedule schedule, TraceContexts traces, MeterRegistry meters, WebhookProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.json = json;
        this.http = http;
        this.schedule = schedule;
        this.traces = traces;
        this.meters = meters;
        this.lease = properties.requestTimeout().plus(properties.connectTimeout()).plus(LEASE_MARGIN);
        this.slots = new Semaphore(properties.concurrency());
        this.senders = Executors.newFixedThreadPool(properties.concurrency(),
                Thread.ofPlatform().name("webhook-send-", 1).daemon().factory());
        Gauge.builder("modelpress.webhooks.pending", this, WebhookDispatcher::pending)
                .description("Webhook deliveries not yet delivered or given up")
                .register(meters);
    }

    /** {@code msg_} and the delivery id in hex: the {@code webhook-id} of every attempt of the delivery. */
    static String webhookId(UUID deliveryId) {
        return "msg_" + deliveryId.toString().replace("-", "");
    }

    private double pending() {
        return jdbc.sql("select count(*) from webhook_deliveries where status = 'PENDING'").query(Long.class).single();
    }

    /** Asks for a pass soon; passes never overlap, and a wake during a pass leads to one more. */
    void wake() {
        if (!closed && passQueued.compareAndSet(false, true)) {
            try {
                passes.execute(this::pass);
            } catch (RejectedExecutionException e) {
                passQueued.set(false);
            }
        }
    }

    private record Claimed(UUID id, UUID jobId, String owner, UUID subscriptionId, String url, String eventType,
                           String payload, String traceContext, int attempts) {}

    private void pass() {
        passQueued.set(false);
        try {
            while (!closed) {
                int free = slots.availablePermits();
                if (free == 0) {
                    return; // a finishing attempt wakes the next pass
                }
                List<Claimed> claimed = claim(free);
                for (Claimed delivery : claimed) {
                    slots.acquireUninterruptibly();
                    try {
                        senders.execute(() -> {
                            try {
                                attempt(delivery);
                            } finally {
                                slots.release();
                                wake();
                            }
                        });
                    } catch (RejectedExecutionException e) {
                        slots.release(); // closing: the lease runs out and another pass (or instance) takes it
                        return;
                    }
                }
                if (claimed.size() < free) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            log.warn("webhook dispatch pass failed; the next poll tries again: {}", e.toString());
        }
    }

    private List<Claimed> claim(int limit) {
        Instant now = Instant.now();
        List<Claimed> claimed = transactions.execute(status -> jdbc.sql("""
                        update webhook_deliveries d set next_attempt_at = :leaseUntil
                        where d.id in (select id from webhook_deliveries
                                       where status = 'PENDING' and next_attempt_at <= :now
                                       order by next_attempt_at limit :limit for update skip locked)
                        returning d.id, d.job_id, d.owner, d.subscription_id, d.url, d.event_type, d.payload,
                                  d.trace_context::text as trace_context, d.attempts""")
                .param("leaseUntil", Timestamp.from(now.plus(lease)))
                .param("now", Timestamp.from(now))
                .param("limit", limit)
                .query((rs, row) -> new Claimed(rs.getObject("id", UUID.class), rs.getObject("job_id", UUID.class),
                        rs.getString("owner"), rs.getObject("subscription_id", UUID.class), rs.getString("url"),
                        rs.getString("event_type"), rs.getString("payload"), rs.getString("trace_context"),
                        rs.getInt("attempts")))
                .list());
        return claimed == null ? List.of() : claimed;
    }

    private void attempt(Claimed delivery) {
        int number = delivery.attempts() + 1;
        String webhookId = webhookId(delivery.id());
        Instant started = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (TraceContexts.Continued span = traces.continueTrace("webhook " + delivery.eventType(),
                traceContextOf(delivery))) {
            span.tag(TraceContexts.JOB_ID, delivery.jobId().toString());
            span.tag("webhook.id", webhookId);
            span.tag("webhook.attempt", Integer.toString(number));
            Optional<List<String>> secrets = secretsOf(delivery, started);
            if (secrets.isEmpty()) {
                giveUp(delivery, delivery.subscriptionId() == null
                        ? "the owner has no webhook signing secret" : "the subscription is gone or disabled");
                return;
            }
            long timestamp = started.getEpochSecond();
            Map<String, String> headers = new LinkedHashMap<>(span.headers());
            headers.put("webhook-id", webhookId);
            headers.put("webhook-timestamp", Long.toString(timestamp));
            headers.put("webhook-signature", WebhookSigner.signatureHeader(webhookId, timestamp, delivery.payload(),
                    secrets.get()));
            WebhookHttp.Result result = http.post(delivery.url(), headers, delivery.payload());
            if (result.statusCode() != null) {
                span.tag("http.response.status_code", Integer.toString(result.statusCode()));
            }
            if (!result.delivered()) {
                span.error(new WebhookAttemptFailedException(result.statusCode() != null
                        ? "HTTP " + result.statusCode() : String.valueOf(result.error())));
            }
            record(delivery, number, started, result);
        } catch (RuntimeException e) {
            // the database is away: the lease runs out and the attempt is made again
            log.warn("webhook {} attempt {} could not be completed: {}", webhookId, number, e.toString());
        }
    }

    /** @return the secrets that sign now, current first; empty when there is nothing to sign with */
    private Optional<List<String>> secretsOf(Claimed delivery, Instant now) {
        List<SecretRow> rows = delivery.subscriptionId() == null
                ? jdbc.sql("""
                        select secret, previous_secret, previous_secret_expires_at, null as disabled_at
                        from webhook_signing_secrets where owner = :owner""")
                .param("owner", delivery.owner()).query(SecretRow.class).list()
                : jdbc.sql("""
                        select secret, previous_secret, previous_secret_expires_at, disabled_at
                        from webhook_subscriptions where id = :id""")
                .param("id", delivery.subscriptionId()).query(SecretRow.class).list();
        if (rows.isEmpty() || rows.getFirst().disabledAt() != null) {
            return Optional.empty();
        }
        SecretRow row = rows.getFirst();
        List<String> secrets = new ArrayList<>(List.of(row.secret()));
        if (row.previousSecret() != null && row.previousSecretExpiresAt() != null
                && now.isBefore(row.previousSecretExpiresAt().toInstant())) {
            secrets.add(row.previousSecret());
        }
        return Optional.of(secrets);
    }

    record SecretRow(String secret, String previousSecret, Timestamp previousSecretExpiresAt, Timestamp disabledAt) {}

    private void record(Claimed delivery, int number, Instant started, WebhookHttp.Result result) {
        Instant now = Instant.now();
        String outcome;
        String status;
        Instant next = null;
        String error = result.error() != null ? result.error()
                : result.delivered() ? null : "HTTP " + result.statusCode();
        if (result.delivered()) {
            status = "DELIVERED";
            outcome = "delivered";
        } else if (Integer.valueOf(410).equals(result.statusCode())) {
            status = "FAILED";
            outcome = "gone";
            error = "the receiver answered 410 Gone: nothing more is sent there";
        } else {
            Optional<Duration> wait = schedule.next(number, result.retryAfter());
            status = wait.isPresent() ? "PENDING" : "FAILED";
            outcome = wait.isPresent() ? "retry" : "gave_up";
            next = wait.map(now::plus).orElse(null);
            if (wait.isEmpty()) {
                error = "gave up after %d attempts; the last: %s".formatted(number, error);
            }
        }
        String lastError = error == null ? null : truncate(error);
        String finalStatus = status;
        Instant nextAttempt = next;
        transactions.executeWithoutResult(tx -> {
            jdbc.sql("""
                            insert into webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error)
                            values (:id, :attempt, :startedAt, :statusCode, :latency, :error)
                            on conflict do nothing""")
                    .param("id", delivery.id())
                    .param("attempt", number)
                    .param("startedAt", Timestamp.from(started))
                    .param("statusCode", result.statusCode())
                    .param("latency", result.latencyMillis())
                    .param("error", result.error() == null ? null : truncate(result.error()))
                    .update();
            jdbc.sql("""
                            update webhook_deliveries set attempts = :attempts, status = :status,
                                   next_attempt_at = :next, last_error = :error,
                                   finished_at = case when :status = 'PENDING' then null else now() end
                            where id = :id and status = 'PENDING'""")
                    .param("attempts", number)
                    .param("status", finalStatus)
                    .param("next", nextAttempt == null ? null : Timestamp.from(nextAttempt))
                    .param("error", lastError)
                    .param("id", delivery.id())
                    .update();
            if (outcome.equals("gone") && delivery.subscriptionId() != null) {
                disableSubscription(delivery.subscriptionId(), delivery.url());
            }
        });
        meters.counter("modelpress.webhooks.attempts", "outcome", outcome).increment();
        Timer.builder("modelpress.webhooks.attempt.latency").description("Time from request to the receiver's answer")
                .register(meters).record(Duration.ofMillis(result.latencyMillis()));
        log.debug("webhook {} attempt {} to {}: {} {}", webhookId(delivery.id()), number, delivery.url(), outcome,
                result.statusCode() != null ? result.statusCode() : result.error());
        if (outcome.equals("gave_up") || outcome.equals("gone")) {
            log.warn("webhook {} ({} of job {}) to {} given up: {}", webhookId(delivery.id()), delivery.eventType(),
                    delivery.jobId(), delivery.url(), lastError);
        }
    }

    private void disableSubscription(UUID subscriptionId, String url) {
        String reason = "the receiver %s answered 410 Gone".formatted(url);
        jdbc.sql("""
                        update webhook_subscriptions set disabled_at = now(), disabled_reason = :reason,
                               version = version + 1
                        where id = :id and disabled_at is null""")
                .param("reason", reason)
                .param("id", subscriptionId)
                .update();
        jdbc.sql("""
                        update webhook_deliveries set status = 'FAILED', next_attempt_at = null, finished_at = now(),
                               last_error = 'the subscription was disabled: ' || :reason
                        where subscription_id = :id and status = 'PENDING'""")
                .param("reason", reason)
                .param("id", subscriptionId)
                .update();
        log.warn("webhook subscription {} disabled: {}", subscriptionId, reason);
    }

    private void giveUp(Claimed delivery, String reason) {
        transactions.executeWithoutResult(tx -> jdbc.sql("""
                        update webhook_deliveries set status = 'FAILED', next_attempt_at = null, finished_at = now(),
                               last_error = :reason
                        where id = :id and status = 'PENDING'""")
                .param("reason", reason)
                .param("id", delivery.id())
                .update());
        meters.counter("modelpress.webhooks.attempts", "outcome", "unsigned").increment();
        log.warn("webhook {} of job {} given up: {}", webhookId(delivery.id()), delivery.jobId(), reason);
    }

    private Map<String, String> traceContextOf(Claimed delivery) {
        if (delivery.traceContext() == null) {
            return Map.of();
        }
        try {
            return json.readValue(delivery.traceContext(), new TypeReference<Map<String, String>>() {});
        } catch (JacksonException e) {
            return Map.of();
        }
    }

    private static String truncate(String text) {
        return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR) + "…";
    }

    /** Stops taking work; attempts in flight get a few seconds, then their leases let a later pass redo them. */
    @Override
    public void close() {
        closed = true;
        passes.shutdownNow();
        senders.shutdown();
        try {
            if (!senders.awaitTermination(5, TimeUnit.SECONDS)) {
                senders.shutdownNow();
            }
        } catch (InterruptedException e) {
            senders.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Marks a failed attempt's span. */
    static final class WebhookAttemptFailedException extends RuntimeException {
        WebhookAttemptFailedException(String message) {
            super(message);
        }
    }
}
