package com.modelpress.api.web;

import com.modelpress.api.problem.FilterProblems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * Caps every request body before anything reads it: a body whose declared {@code Content-Length} exceeds the limit of
 * its endpoint is answered 413 {@code payload_too_large} at once, unread (with {@code continueResponseTiming=onRead}
 * a client waiting for {@code 100 Continue} never sends it); a body without a declared length is cut off with a
 * {@link RequestBodyTooLargeException} as soon as it has delivered one byte too many. The upload endpoint
 * ({@code POST} of {@code uploadPath}) has the upload limit, every other request the small one.
 *
 * <p>Thread-safe.
 */
public final class RequestBodyLimitFilter extends OncePerRequestFilter {

    private final long defaultLimit;
    private final String uploadPath;
    private final long uploadLimit;
    private final JsonMapper json;

    /**
     * @param defaultLimit bytes a request body may hold, except on the upload endpoint
     * @param uploadPath   the path whose {@code POST} is the upload
     * @param uploadLimit  bytes the upload's body (every part and the multipart framing) may hold
     */
    public RequestBodyLimitFilter(long defaultLimit, String uploadPath, long uploadLimit, JsonMapper json) {
        this.defaultLimit = defaultLimit;
        this.uploadPath = uploadPath;
        this.uploadLimit = uploadLimit;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean upload = "POST".equals(request.getMethod()) && uploadPath.equals(request.getRequestURI());
        long limit = upload ? uploadLimit : defaultLimit;
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            FilterProblems.write(request, response, json, HttpStatus.CONTENT_TOO_LARGE, "payload_too_large",
                    "The request body of %d bytes exceeds the limit of %d bytes for %s %s (%s)".formatted(declared, limit,
                            request.getMethod(), request.getRequestURI(), upload ? "modelpress.api.max-upload-size"
                                    : "modelpress.api.max-request-body"));
            return;
        }
        chain.doFilter(declared >= 0 ? request : new Limited(request, limit), response);
    }

    /** A request whose body stream fails once it has delivered more than the limit. */
    private static final class Limited extends HttpServletRequestWrapper {

        private final long limit;
        private ServletInputStream stream;

        Limited(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public java.io.BufferedReader getReader() throws IOException {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(),
                    getCharacterEncoding() == null ? java.nio.charset.StandardCharsets.UTF_8.name() : getCharacterEncoding()));
        }
    }

    /** Not thread-safe: one reader, as a servlet input stream has. */
    private static final class LimitedStream extends ServletInputStream {

        private final ServletInputStream in;
        private final long limit;
        private long read;

        LimitedStream(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, (int) Math.min(length, limit - read + 1));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws RequestBodyTooLargeException {
            read += n;
            if (read > limit) {
                throw new RequestBodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
