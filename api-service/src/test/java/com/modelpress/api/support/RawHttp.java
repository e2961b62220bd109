package com.modelpress.api.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends: a body that is announced but never
 * finished, a header that waits for {@code 100 Continue}. Answers are read without waiting for the request body to
 * end, so a server that reads a body it should have refused shows up as no answer at all.
 */
public final class RawHttp {

    /** How long to wait for an answer before calling it none. */
    private static final int ANSWER_WAIT_MILLIS = 30_000;

    private final int port;

    public RawHttp(int port) {
        this.port = port;
    }

    /**
     * The head of an answer: status and headers (lower-case names), and the body when it was short and came with a
     * length.
     *
     * @param status 0 when the server did not answer within the wait
     */
    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Sends the request line and headers (plus {@code Host} and {@code Content-Length: declaredLength}), then
     * {@code sentBytes} of {@code filler} as the start of the body, and reads the answer while the rest of the body is
     * still owed.
     *
     * @param headers extra header lines, e.g. {@code "Content-Type: application/x-www-form-urlencoded"}
     */
    public Answer sendPartOfBody(String method, String path, long declaredLength, int sentBytes, byte filler,
                                 String... headers) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(ANSWER_WAIT_MILLIS);
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
            for (String header : headers) {
                head.append(header).append("\r\n");
            }
            head.append("Content-Length: ").append(declaredLength).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[8192];
            Arrays.fill(chunk, filler);
            for (int sent = 0; sent < sentBytes; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, sentBytes - sent));
            }
            out.flush();
            return readAnswer(socket.getInputStream());
        }
    }

    private static Answer readAnswer(InputStream in) throws IOException {
        String statusLine;
        try {
            statusLine = readLine(in);
        } catch (SocketTimeoutException e) {
            return new Answer(0, Map.of(), "");
        }
        if (statusLine == null) {
            return new Answer(0, Map.of(), "");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        String body = "";
        String length = headers.get("content-length");
        if (length != null && Integer.parseInt(length) <= 64 * 1024) {
            body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }
        return new Answer(status, headers, body);
    }

    /** A CRLF-terminated line, or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
