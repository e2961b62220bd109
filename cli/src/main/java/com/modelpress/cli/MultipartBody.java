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
 * A {@code multipart/form-data} body of one JSON part and file parts, streamed: files are read from disk while
 * the request is sent, never held in memory. Its length is known up front, so the request carries a
 * {@code Content-Length}.
 *
 * @param boundary  the part separator, random per body
 * @param texts     the bytes before each file ({@code texts.size() == files.size() + 1}; the last one ends the body)
 * @param files     the files, in order
 */
record MultipartBody(String boundary, List<byte[]> texts, List<Path> files, long length) {

    /** A named file part. */
    record FilePart(String name, Path file) {}

    /**
     * @param jsonName  name of the JSON part (sent first, so the server can check it before the file arrives)
     * @param json      its content
     * @param fileName  name of the file part
     * @param file      the file to stream
     */
    static MultipartBody of(String jsonName, String json, String fileName, Path file) throws IOException {
        return of(jsonName, json, List.of(new FilePart(fileName, file)));
    }

    static MultipartBody of(String jsonName, String json, List<FilePart> parts) throws IOException {
        String boundary = "modelpress-" + UUID.randomUUID();
        List<byte[]> texts = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        StringBuilder text = new StringBuilder("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + jsonName + "\"\r\n"
                + "Content-Type: application/json\r\n\r\n"
                + json + "\r\n");
        long length = 0;
        for (FilePart part : parts) {
            text.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(part.name()).append("\"; filename=\"")
                    .append(quoted(part.file().getFileName().toString())).append("\"\r\n")
                    .append("Content-Type: application/octet-stream\r\n\r\n");
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            texts.add(bytes);
            files.add(part.file());
            length += bytes.length + Files.size(part.file());
            text = new StringBuilder("\r\n");
        }
        byte[] tail = (text + "--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        texts.add(tail);
        return new MultipartBody(boundary, List.copyOf(texts), List.copyOf(files), length + tail.length);
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** Opens the files anew each time the client (re)sends the body. */
    HttpRequest.BodyPublisher publisher() {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(this::open), length);
    }

    private InputStream open() {
        List<InputStream> parts = new ArrayList<>();
        try {
            for (int i = 0; i < files.size(); i++) {
                parts.add(new ByteArrayInputStream(texts.get(i)));
                parts.add(Files.newInputStream(files.get(i)));
            }
            parts.add(new ByteArrayInputStream(texts.getLast()));
            return new SequenceInputStream(Collections.enumeration(parts));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a file of the upload", e);
        }
    }

    /** A file name as a quoted-string: quotes, backslashes and line breaks percent-encoded (as browsers do). */
    private static String quoted(String name) {
        return name.replace("\\", "%5C").replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }
}
