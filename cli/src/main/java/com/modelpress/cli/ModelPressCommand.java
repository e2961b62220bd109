package com.modelpress.cli;

import com.modelpress.engine.ModelCompressor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** The top-level {@code modelpress} command: holds the subcommands and the options they all share. */
@Command(name = "modelpress",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = "Compress ONNX models and measure how close they stay to the original.",
        subcommands = {CompressCommand.class, ServeCommand.class, DemoCommand.class, SubmitCommand.class,
                StatusCommand.class, WaitCommand.class, DownloadCommand.class, ReportCommand.class,
                WebhookCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_BAD_MODEL})
final class ModelPressCommand implements Callable<Integer> {

    /** Read through the parse result by {@link ErrorHandler}; declared here so every subcommand inherits it. */
    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print the stack trace when a command fails.")
    boolean debug;

    @Spec
    CommandSpec spec;

    /** The command line with ModelPress's exit codes and error messages; {@link Main} runs it. */
    static CommandLine commandLine() {
        ErrorHandler errors = new ErrorHandler();
        return new CommandLine(new ModelPressCommand())
                .setParameterExceptionHandler(errors)
                .setExecutionExceptionHandler(errors);
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: try 'modelpress compress --help'");
    }

    /** {@code --version}: the engine's version, which is also the CLI's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"modelpress " + ModelCompressor.VERSION};
        }
    }
}
