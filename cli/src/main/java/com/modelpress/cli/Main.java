package com.modelpress.cli;

/** Entry point of the {@code modelpress} command; the process exits with the code {@link ExitCode} names. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(ModelPressCommand.commandLine().execute(args));
    }
}
