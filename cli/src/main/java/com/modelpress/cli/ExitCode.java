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

    /** The lines of the {@code Exit codes:} section of the commands' help. */
    static final String HELP_OK = "0:done";
    static final String HELP_FAILED = "1:unexpected failure (rerun with --debug for the stack trace)";
    static final String HELP_USAGE = "2:usage error: unknown option or method, bad value";
    static final String HELP_BAD_MODEL = "3:invalid model or evaluation inputs, or ONNX Runtime cannot run the model";

    private ExitCode() {
    }
}
