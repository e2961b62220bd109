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

    private ExitCode() {
    }
}
