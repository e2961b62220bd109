package com.modelpress.api.webhook;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Posts one webhook attempt: connects only to addresses {@link WebhookTargets} checked, follows no redirect, ignores
 * proxies and cookies, retries nothing itself, reads at most {@code maxResponseSize} bytes of the answer and gives the
 * whole attempt {@code requestTimeout} (a receiver that trickles its answer is cut off). Thread-safe.
 */
final class WebhookHttp implements AutoCloseable {

    /** The outcome of one attempt. */
    record Result(Integer statusCode, long latencyMillis, String error, Duration retryAfter) {

        boolean delivered() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }
    }

    private static final int ERROR_EXCERPT = 200;

    private final CloseableHttpClient client;
    private final Duration requestTimeout;
    private final long maxResponseBytes;

    /** Not a bean: a ScheduledExecutorService bean would stand in for Spring Boot's own task scheduler. */
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("webhook-deadline").daemon().factory());

    WebhookHttp(WebhookTargets targets, Duration connectTimeout, Duration requestTimeout, long maxResponseBytes,
                int maxConnections) {
        this.requestTimeout = requestTimeout;
        this.maxResponseBytes = maxResponseBytes;
        Timeout timeout = Timeout.of(requestTimeout);
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(targets)
                        .setMaxConnTotal(maxConnections)
                        .setMaxConnPerRoute(maxConnections)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(timeout)
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setRedirectsEnabled(false)
                        .setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .setUserAgent("ModelPress-Webhooks/1")
                .build();
    }

    /** Never throws: every failure is a {@link Result} with an error. */
    Result post(String url, Map<String, String> headers, String body) {
        HttpPost post;
        try {
            post = new HttpPost(url);
        } catch (IllegalArgumentException e) {
            return new Result(null, 0, "not a URL: " + e.getMessage(), null);
        }
        headers.forEach(post::setHeader);
        post.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON.withCharset(StandardCharsets.UTF_8)));
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            timedOut.set(true);
            post.cancel();
        }, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        Result answered = null;
        try (ClassicHttpResponse response = client.executeOpen(null, post, null)) {
            int status = response.getCode();
            Duration retryAfter = retryAfter(response);
            boolean complete = readAtMost(response.getEntity());
            answered = new Result(status, millisSince(start), null, retryAfter);
            if (!complete) {
                // more than maxResponseSize: drop the connection rather than read on
                post.cancel();
            }
            return answered;
        } catch (WebhookTargets.RefusedAddressException e) {
            return new Result(null, millisSince(start), e.getMessage(), null);
        } catch (IOException | RuntimeException e) {
            if (answered != null) {
                return answered;
            }
            String error = timedOut.get() ? "no complete answer within " + requestTimeout : e.toString();
            return new Result(null, millisSince(start), excerpt(error), null);
        } finally {
            deadline.cancel(false);
        }
    }

    /** @return true when the whole body was read, false when it is longer than {@code maxResponseBytes} */
    private boolean readAtMost(HttpEntity entity) throws IOException {
        if (entity == null) {
            return true;
        }
        InputStream in = entity.getContent();
        if (in == null) {
            return true;
        }
        byte[] buffer = new byte[8192];
        long left = maxResponseBytes;
        while (true) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, Math.max(1, left)));
            if (read < 0) {
                in.close();
                return true;
            }
            left -= read;
            if (left < 0) {
                return false;
            }
        }
    }

    /** {@code Retry-After} in seconds or as an HTTP date; null when absent or unreadable. */
    private static Duration retryAfter(ClassicHttpResponse response) {
        Header header = response.getFirstHeader("Retry-After");
        if (header == null || header.getValue() == null) {
            return null;
        }
        String value = header.getValue().strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static String excerpt(String text) {
        return text.length() <= ERROR_EXCERPT ? text : text.substring(0, ERROR_EXCERPT) + "…";
    }

    @Override
    public void close() throws IOException {
        deadlines.shutdownNow();
        client.close();
    }
}
