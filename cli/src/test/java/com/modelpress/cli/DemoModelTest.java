package com.modelpress.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link DemoModel} against a local stand-in for a Maven repository serving a tiny jar. */
class DemoModelTest {

    @TempDir
    Path folder;

    @Test
    void downloadsTheJarOnceChecksItsSha1AndExtractsTheModel() throws Exception {
        byte[] onnx = "pretend onnx bytes".getBytes(StandardCharsets.UTF_8);
        byte[] jar = jarWith(DemoModel.MODEL_ENTRY, onnx);
        AtomicInteger jarRequests = new AtomicInteger();
        HttpServer repository = repository(jar, sha1(jar), jarRequests);
        try {
            DemoModel model = new DemoModel(URI.create("http://127.0.0.1:" + repository.getAddress().getPort() + "/"));

            Path first = model.fetchInto(folder.resolve("models"));
            Path second = model.fetchInto(folder.resolve("models"));

            assertThat(first).hasBinaryContent(onnx).isEqualTo(second);
            assertThat(jarRequests).hasValue(1);
            try (var files = Files.list(folder.resolve("models"))) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly(DemoModel.MODEL_ENTRY);
            }
        } finally {
            repository.stop(0);
        }
    }

    @Test
    void refusesAJarWhoseSha1DiffersFromTheRepositorys() throws Exception {
        byte[] jar = jarWith(DemoModel.MODEL_ENTRY, new byte[] {1});
        HttpServer repository = repository(jar, "0".repeat(40), new AtomicInteger());
        try {
            DemoModel model = new DemoModel(URI.create("http://127.0.0.1:" + repository.getAddress().getPort() + "/"));

            assertThatThrownBy(() -> model.fetchInto(folder)).isInstanceOf(IOException.class).hasMessageContaining("SHA-1");
            try (var files = Files.list(folder)) {
                assertThat(files).isEmpty();
            }
        } finally {
            repository.stop(0);
        }
    }

    private static HttpServer repository(byte[] jar, String sha1, AtomicInteger jarRequests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath().substring(1);
                byte[] body;
                if (path.equals(DemoModel.JAR_PATH)) {
                    jarRequests.incrementAndGet();
                    body = jar;
                } else if (path.equals(DemoModel.JAR_PATH + ".sha1")) {
                    body = sha1.getBytes(StandardCharsets.US_ASCII);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return server;
    }

    private static byte[] jarWith(String entry, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.US_ASCII));
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(content);
        }
        return bytes.toByteArray();
    }

    private static String sha1(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    }
}
