package com.modelpress.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * One in-process run of the {@code modelpress} command line, as {@link Main} runs it, with stdout and stderr
 * captured.
 *
 * @param exitCode what the process would exit with
 * @param out      everything printed on stdout
 * @param err      everything printed on stderr
 */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = ModelPressCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new CliRun(exitCode, out.toString(), err.toString());
    }

    /** The stderr lines that report an error, as opposed to progress lines. */
    List<String> errorLines() {
        return err.lines().filter(line -> line.startsWith("error:")).toList();
    }
}
