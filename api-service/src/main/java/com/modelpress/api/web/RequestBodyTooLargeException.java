package com.modelpress.api.web;

import java.io.IOException;

/**
 * A request body without a declared length grew past its limit while it was read. An {@link IOException}, so that
 * whatever reads the body (Jackson, the multipart parser) stops at once; {@code ApiProblemHandler} answers 413 when it
 * finds this among the causes.
 */
public final class RequestBodyTooLargeException extends IOException {

    RequestBodyTooLargeException(long limit) {
        super("The request body exceeds the limit of %d bytes".formatted(limit));
    }
}
