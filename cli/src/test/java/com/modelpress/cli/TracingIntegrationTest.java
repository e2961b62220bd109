package com.modelpress.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One job, one trace, across both services: with {@code modelpress.tracing.enabled=true}, {@code serve} (the API and a
 * worker, each with its own tracer and service name, talking only through the broker) exports its spans to an OTLP/HTTP
 * receiver in this JVM. Every span that names the job — the submit request, the outbox publish, the worker's attempt,
 * the API's intake of the worker's events, the webhook delivery — has the same trace id, and the webhook's receiver
 * gets that trace in its {@code traceparent} header. Takes tens of seconds.
 */
class TracingIntegrationTest {

    private static final String JOB_ID = "modelpress.job.id";

    @TempDir
    Path dir;

    @Test
    void theSpansOfOneJobShareOneTraceAcrossApiQueueWorkerAndWebhook() throws Exception {
        int port = LocalPorts.free();
        List<Map<String, String>> webhooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            webhooks.add(Map.of("traceparent", String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")),
                    "webhook-id", String.valueOf(exchange.getRequestHeaders().getFirst("webhook-id"))));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Path data = dir.resolve("data");
        Path model = TinyModels.matMul(dir.resolve("tiny.onnx"));
        LocalApiKey key = LocalApiKey.resolve(data, null);
        String server = LocalPorts.url(port);
        try (OtlpReceiver otlp = new OtlpReceiver();
             StandalonePlatform _ = StandalonePlatform.start(data, port, key.key(), new PrintWriter(new StringWriter()),
                     Map.of("modelpress.tracing.enabled", "true",
                             "management.opentelemetry.tracing.export.otlp.endpoint", otlp.endpoint(),
                             "management.opentelemetry.tracing.export.schedule-delay", "200ms"))) {
            HttpResponse<String> secret = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server + "/api/v1/webhooks/signing-secret"))
                    .header("Authorization", "Bearer " + key.key())
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(secret.statusCode()).as(secret.body()).isEqualTo(201);

            String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            CliRun submit = CliRun.of("submit", model.toString(), "--method", "int8", "--samples", "2", "--wait",
                    "--webhook", hook, "--server", server, "--api-key", key.key());
            assertThat(submit.exitCode()).as(submit.err()).isZero();
            String id = submit.out().lines().findFirst().orElseThrow().strip();

            waitFor("the webhook", () -> !webhooks.isEmpty());
            waitFor("spans of job " + id + " from both services and the webhook delivery", () -> {
                List<OtlpReceiver.Span> ofJob = spansOf(otlp, id);
                return services(ofJob).containsAll(Set.of("modelpress-api", "modelpress-worker"))
                        && ofJob.stream().anyMatch(span -> span.name().startsWith("webhook"));
            });
            List<OtlpReceiver.Span> ofJob = spansOf(otlp, id);
            Set<String> traces = ofJob.stream().map(OtlpReceiver.Span::traceId).collect(Collectors.toSet());
            assertThat(traces).as("trace ids of the spans naming job %s: %s", id, describe(ofJob)).hasSize(1);
            String trace = traces.iterator().next();
            assertThat(trace).hasSize(32).isNotEqualTo("0".repeat(32));
            assertThat(ofJob).as("the submit request, the outbox publish, the worker's attempt, the webhook")
                    .extracting(OtlpReceiver.Span::name)
                    .anyMatch(name -> name.startsWith("http post"))
                    .anyMatch(name -> name.startsWith("outbox publish"))
                    .anyMatch(name -> name.equals("job attempt"))
                    .anyMatch(name -> name.equals("webhook job.succeeded"));
            // the worker's side has more than the attempt itself: the consumer span and the events it published
            assertThat(otlp.spans()).filteredOn(span -> span.traceId().equals(trace))
                    .extracting(OtlpReceiver.Span::service).contains("modelpress-api", "modelpress-worker");
            assertThat(webhooks.getFirst().get("traceparent")).as("the receiver can join the trace").contains(trace);

            JsonNode job = JsonMapper.builder().build().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server + "/api/v1/jobs/" + id + "/webhook-deliveries"))
                    .header("Authorization", "Bearer " + key.key()).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(job.get(0).get("status").asString()).isEqualTo("delivered");
        } finally {
            receiver.stop(0);
        }
    }

    private static List<OtlpReceiver.Span> spansOf(OtlpReceiver otlp, String jobId) {
        return otlp.spans().stream().filter(span -> jobId.equals(span.attributes().get(JOB_ID))).toList();
    }

    private static Set<String> services(List<OtlpReceiver.Span> spans) {
        return spans.stream().map(OtlpReceiver.Span::service).collect(Collectors.toSet());
    }

    private static String describe(List<OtlpReceiver.Span> spans) {
        return spans.stream().map(span -> span.service() + ":" + span.name() + "@" + span.traceId())
                .collect(Collectors.joining(", "));
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 30 s");
            }
            Thread.sleep(200);
        }
    }
}
