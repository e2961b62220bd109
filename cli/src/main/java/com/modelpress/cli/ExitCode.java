package com.modelpress.cli;

/** The process exit codes of {@code modelpress}; scripts and CI steps rely on them, so they never change. */
final class ExitCode {

    /** The command did what was asked. */
    static final int OK = 0;
    /** Anything not covered below: I/O errors, bugs. The message suggests {@code --debug}. */
    static final int FAILED = 1;
    /** The command line is wrong: unknown option or method, bad value, missing argument. */
    static final int USAGE = 2;
    /** The model (or its evaluation inputs) is invalid, or ONNX Runtime cannot run it. */
    static final int BAD_MODEL = 3;

    /** The job ended FAILED ({@code submit --wait}, {@code wait}). */
    static final int JOB_FAILED = 4;
    /** The job ended CANCELLED. */
    static final int JOB_CANCELLED = 5;
    /** The job succeeded, but missed a gate: {@code --min-cosine}, {@code --max-kl} or {@code --max-ppl-increase}. */
    static final int BELOW_GATE = 6;
    /** The server did not answer, answered with an HTTP error, or sent an artifact that does not match its digest. */
    static final int SERVER_ERROR = 7;
    /** The server refused the API key: missing, invalid or revoked (401), or not allowed to do this (403). */
    static final int UNAUTHORIZED = 8;
    /** {@code webhook verify}: the signature does not match the secret, or the timestamp is outside the tolerance. */
    static final int BAD_SIGNATURE = 9;

    /** The lines of the {@code Exit codes:} section of the commands' help. */
    static final String HELP_OK = "0:done";
    static final String HELP_FAILED = "1:unexpected failure (rerun with --debug for the stack trace)";
    static final String HELP_USAGE = "2:usage error: unknown option or method, bad value";
    static final String HELP_BAD_MODEL = "3:invalid model or evaluation inputs, or ONNX Runtime cannot run the model";

    static final String HELP_REJECTED = "3:the server rejected the model or request (4xx; its problem is printed)";
    static final String HELP_JOB_FAILED = "4:the job failed";
    static final String HELP_JOB_CANCELLED = "5:the job was cancelled";
    static final String HELP_COMPRESS_BELOW_GATE =
            "6:model and report written, but a gate missed: --min-cosine, --min-sqnr, --max-kl or --max-ppl-increase";
    static final String HELP_BELOW_GATE = "6:the job succeeded but missed a gate: --min-cosine, --max-kl or --max-ppl-increase";
    static final String HELP_SERVER_ERROR = "7:server unreachable, HTTP error (429 too: retry later), or a download that does not match its digest";
    static final String HELP_BAD_SIGNATURE = "9:the webhook is not signed with the secret, or its timestamp is too far from now";
    static final String HELP_UNAUTHORIZED = "8:the server refused the API key (401: missing, invalid or revoked; 403: not allowed)";

    private ExitCode() {
    }
}
