package com.modelpress.api.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A real HTTP receiver on 127.0.0.1 in the test JVM: records every request (headers, body bytes, arrival time) and
 * answers from a script (status codes, or a stall longer than the sender's timeout), then with the default status.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as it arrived; header names in lower case. */
    public record Request(String path, Map<String, String> headers, byte[] body, Instant at) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * What to answer: a status after an optional stall; or a redirect; or a long body that stops for a while part way.
     *
     * @param location   nullable: the {@code Location} header
     * @param bodyBytes  0: a small JSON body; else this many bytes, then a pause of {@code stallAfterBody}
     */
    public record Answer(int status, Duration stall, String location, int bodyBytes, Duration stallAfterBody) {
        public static Answer status(int status) {
            return new Answer(status, Duration.ZERO, null, 0, Duration.ZERO);
        }

        public static Answer stall(Duration stall) {
            return new Answer(200, stall, null, 0, Duration.ZERO);
        }

        public static Answer redirect(String location) {
            return new Answer(302, Duration.ZERO, location, 0, Duration.ZERO);
        }

        public static Answer longBody(int bytes, Duration stallAfterBody) {
            return new Answer(200, Duration.ZERO, null, bytes, stallAfterBody);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Deque<Answer> script = new ArrayDeque<>();
    private volatile int defaultStatus = 200;

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            requests.add(new Request(exchange.getRequestURI().getPath(), Map.copyOf(headers), body, Instant.now()));
            Answer answer;
            synchronized (script) {
                answer = script.isEmpty() ? Answer.status(defaultStatus) : script.poll();
            }
            if (!answer.stall().isZero()) {
                try {
                    Thread.sleep(answer.stall());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] reply = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            try {
                if (answer.location() != null) {
                    exchange.getResponseHeaders().set("Location", answer.location());
                }
                if (answer.bodyBytes() > 0) {
                    exchange.sendResponseHeaders(answer.status(), 0);
                    OutputStream out = exchange.getResponseBody();
                    out.write(new byte[answer.bodyBytes()]);
                    out.flush();
                    Thread.sleep(answer.stallAfterBody());
                    out.close();
                } else {
                    exchange.sendResponseHeaders(answer.status(), reply.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(reply);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the sender gave up on this request already
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The next requests get these answers, in order. */
    public WebhookReceiver answer(Answer... answers) {
        synchronized (script) {
            script.addAll(List.of(answers));
        }
        return this;
    }

    /** Answer for requests beyond the script (200 at first). */
    public WebhookReceiver answerByDefault(int status) {
        defaultStatus = status;
        return this;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Waits until {@code count} requests that match arrived; returns them in arrival order. */
    public List<Request> awaitRequests(int count, Predicate<Request> matching, Duration atMost) {
        org.awaitility.Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50))
                .until(() -> requests.stream().filter(matching).count() >= count);
        return requests.stream().filter(matching).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        if (server.getExecutor() instanceof java.util.concurrent.ExecutorService executor) {
            executor.shutdownNow();
        }
    }
}
