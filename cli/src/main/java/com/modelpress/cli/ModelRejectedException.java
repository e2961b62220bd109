package com.modelpress.cli;

/** The server refused a submitted model or request with a 4xx problem; the message is the problem in one line. */
final class ModelRejectedException extends RuntimeException {

    ModelRejectedException(ApiProblemException problem) {
        super("the server rejected the job: " + problem.problemLine(), problem);
    }
}
