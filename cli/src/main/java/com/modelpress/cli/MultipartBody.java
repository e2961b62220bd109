package com.modelpress.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body of one JSON part and one file part, streamed: the file is read from disk while
 * the request is sent, never held in memory. Its length is known up front, so the request carries a
 * {@code Content-Length}.
 *
 * @param boundary the part separator, random per body
 */
record MultipartBody(String boundary, byte[] head, Path file, byte[] tail, long length) {

    /**
     * @param jsonName  name of the JSON part (sent first, so the server can check it before the file arrives)
     * @param json      its content
     * @param fileName  name of the file part
     * @param file      the file to stream
     */
    static MultipartBody of(String jsonName, String json, String fileName, Path file) throws IOException {
        String boundary = "modelpress-" + UUID.randomUUID();
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + jsonName + "\"\r\n"
                + "Content-Type: application/json\r\n\r\n"
                + json + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + fileName + "\"; filename=\""
                + quoted(file.getFileName().toString()) + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
        byte[] tailBytes = tail.getBytes(StandardCharsets.UTF_8);
        return new MultipartBody(boundary, headBytes, file, tailBytes, headBytes.length + Files.size(file) + tailBytes.length);
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** Opens the file anew each time the client (re)sends the body. */
    HttpRequest.BodyPublisher publisher() {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(this::open), length);
    }

    private InputStream open() {
        try {
            List<InputStream> parts = new ArrayList<>(3);
            parts.add(new ByteArrayInputStream(head));
            parts.add(Files.newInputStream(file));
            parts.add(new ByteArrayInputStream(tail));
            return new SequenceInputStream(Collections.enumeration(parts));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A file name as a quoted-string: quotes, backslashes and line breaks percent-encoded (as browsers do). */
    private static String quoted(String name) {
        return name.replace("\\", "%5C").replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }
}
