package com.modelpress.api.artifact;

import com.modelpress.api.job.JobLookup;
import com.modelpress.api.security.Caller;
import com.modelpress.api.web.ProblemResponses;
import com.modelpress.storage.ArtifactStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

@RestController
@RequestMapping(ArtifactController.BASE)
@Tag(name = "artifacts", description = "Files a job produced: the compressed model, its external data, the report")
class ArtifactController {

    static final String BASE = "/api/v1/jobs/{id}/artifacts";
    static final String REPR_DIGEST = "Repr-Digest";

    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final JobLookup jobs;

    ArtifactController(ArtifactRepository artifacts, ArtifactStore store, JobLookup jobs) {
        this.artifacts = artifacts;
        this.store = store;
        this.jobs = jobs;
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The files a job produced, with size and SHA-256 (empty until it succeeded)")
    @ProblemResponses({400, 404})
    @Transactional(readOnly = true)
    List<ArtifactView> list(@PathVariable UUID id, Caller caller) {
        jobs.requireVisible(id, caller);
        return artifacts.findByIdJobIdOrderByIdName(id).stream().map(ArtifactView::from).toList();
    }

    @GetMapping("/{name}")
    @Operation(summary = "Download an artifact, streamed from storage",
            description = "Strong ETag (the SHA-256), If-None-Match → 304, a single Range → 206 (several ranges: "
                    + "the whole file), unsatisfiable Range → 416, If-Range honoured; Repr-Digest carries the "
                    + "SHA-256 of the whole file.")
    @ApiResponse(responseCode = "200", description = "The whole file",
            headers = {@Header(name = HttpHeaders.ETAG), @Header(name = REPR_DIGEST, description = "sha-256=:<base64>:"),
                    @Header(name = HttpHeaders.ACCEPT_RANGES)},
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                    schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "206", description = "The requested range",
            headers = @Header(name = HttpHeaders.CONTENT_RANGE),
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                    schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "304", description = "If-None-Match matched the ETag")
    @ProblemResponses({400, 404, 416})
    ResponseEntity<StreamingResponseBody> download(
            @PathVariable UUID id, @PathVariable String name,
            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range,
            @RequestHeader HttpHeaders headers, Caller caller) throws IOException {
        jobs.requireVisible(id, caller);
        JobArtifact artifact = artifacts.findById(new ArtifactId(id, name))
                .orElseThrow(() -> new ArtifactNotFoundException(id, name, ""));
        if (store.stat(artifact.key()).isEmpty()) {
            throw new ArtifactNotFoundException(id, name, ": its file is missing from storage");
        }
        String etag = "\"" + artifact.sha256() + "\"";
        long size = artifact.sizeBytes();
        HttpHeaders responseHeaders = new HttpHeaders();
        responseHeaders.setETag(etag);
        responseHeaders.set(HttpHeaders.ACCEPT_RANGES, "bytes");
        responseHeaders.set(REPR_DIGEST, "sha-256=:%s:".formatted(
                Base64.getEncoder().encodeToString(HexFormat.of().parseHex(artifact.sha256()))));

        if (matches(headers.getIfNoneMatch(), etag)) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).headers(responseHeaders).build();
        }
        responseHeaders.setContentType(mediaType(artifact.contentType()));
        responseHeaders.setContentDisposition(ContentDisposition.attachment().filename(name).build());

        HttpRange selected = range == null || !ifRangeHolds(headers.getFirst(HttpHeaders.IF_RANGE), etag)
                ? null : singleRange(range);
        if (selected == null) {
            responseHeaders.setContentLength(size);
            return ResponseEntity.ok().headers(responseHeaders).body(stream(artifact.key(), 0, size));
        }
        long start;
        long end;
        try {
            start = selected.getRangeStart(size);
            end = selected.getRangeEnd(size);
        } catch (IllegalArgumentException unsatisfiable) {
            throw new RangeNotSatisfiableException(range, size);
        }
        if (size == 0 || start > end) {
            throw new RangeNotSatisfiableException(range, size);
        }
        long length = end - start + 1;
        responseHeaders.setContentLength(length);
        responseHeaders.set(HttpHeaders.CONTENT_RANGE, "bytes %d-%d/%d".formatted(start, end, size));
        return ResponseEntity.status(HttpStatus.PARTIAL_CONTENT).headers(responseHeaders)
                .body(stream(artifact.key(), start, length));
    }

    private StreamingResponseBody stream(String key, long offset, long length) {
        return out -> {
            try (InputStream in = store.open(key, offset, length)) {
                in.transferTo(out);
            }
        };
    }

    /** @return the one range asked for, or null to send the whole file (malformed or several ranges) */
    private static HttpRange singleRange(String header) {
        try {
            List<HttpRange> ranges = HttpRange.parseRanges(header);
            return ranges.size() == 1 ? ranges.getFirst() : null;
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    /** Without If-Range, or when it names the current ETag, the Range applies. */
    private static boolean ifRangeHolds(String ifRange, String etag) {
        return ifRange == null || ifRange.equals(etag);
    }

    private static boolean matches(List<String> ifNoneMatch, String etag) {
        return ifNoneMatch.stream().anyMatch(tag -> tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag));
    }

    private static MediaType mediaType(String contentType) {
        try {
            return MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            return MediaType.APPLICATION_OCTET_STREAM;
        }
    }
}
