package com.modelpress.cli;

import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.UnsupportedModelException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;

/**
 * Turns every failure into a short message on stderr and an {@link ExitCode}: usage errors get a hint to
 * {@code --help}, model errors one line, anything else one line and a hint to {@code --debug}.
 */
final class ErrorHandler implements IParameterExceptionHandler, IExecutionExceptionHandler {

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("error: " + oneLine(e.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("usage: " + command.getCommandSpec().qualifiedName() + " --help");
        err.flush();
        return ExitCode.USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parseResult) {
        PrintWriter err = command.getErr();
        boolean debug = debugRequested(parseResult);
        if (debug) {
            e.printStackTrace(err);
        }
        int code = switch (e) {
            case InvalidModelException invalid -> {
                err.println("error: " + oneLine(invalid.getMessage()));
                yield ExitCode.BAD_MODEL;
            }
            case UnsupportedModelException unsupported -> {
                err.println("error: " + oneLine(unsupported.getMessage()));
                yield ExitCode.BAD_MODEL;
            }
            case ModelRejectedException rejected -> {
                err.println("error: " + oneLine(rejected.getMessage()));
                yield ExitCode.BAD_MODEL;
            }
            case ApiProblemException problem when problem.isAuthenticationFailure() -> {
                err.println("error: " + oneLine(problem.getMessage()));
                err.println(problem.status() == 401
                        ? "the server needs a valid API key: pass --api-key KEY, set $" + ServerOption.KEY_ENV
                                + ", or put it in " + ServerOption.defaultKeyFile() + " ('modelpress serve' writes its key there)"
                        : "the API key is valid but may not do this (an admin key is needed)");
                yield ExitCode.UNAUTHORIZED;
            }
            case ApiProblemException problem -> {
                err.println("error: " + oneLine(problem.getMessage()));
                yield ExitCode.SERVER_ERROR;
            }
            case ServerUnreachableException unreachable -> {
                err.println("error: " + oneLine(unreachable.getMessage()));
                yield ExitCode.SERVER_ERROR;
            }
            case DigestMismatchException mismatch -> {
                err.println("error: " + oneLine(mismatch.getMessage()));
                yield ExitCode.SERVER_ERROR;
            }
            default -> {
                String message = e.getMessage() == null || e.getMessage().isBlank()
                        ? e.getClass().getSimpleName()
                        : e.getClass().getSimpleName() + ": " + oneLine(e.getMessage());
                err.println("error: " + message);
                if (!debug) {
                    err.println("rerun with --debug to see the stack trace");
                }
                yield ExitCode.FAILED;
            }
        };
        err.flush();
        return code;
    }

    /** True when {@code --debug} was given to the command or to any of its parents. */
    private static boolean debugRequested(ParseResult parseResult) {
        for (ParseResult level = parseResult; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
