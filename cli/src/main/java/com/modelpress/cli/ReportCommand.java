package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code modelpress report}: a job's fidelity report, as a table or as the server's JSON. */
@Command(name = "report",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = "Print a finished job's fidelity report: the summary table, or the JSON with --json.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOption server;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    @Option(names = "--json", description = "Print the report JSON (indented) instead of the summary.")
    boolean json;

    @Override
    public Integer call() {
        String body = server.client().reportJson(id);
        if (json) {
            spec.commandLine().getOut().println(ApiClient.JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(ApiClient.JSON.readTree(body)));
        } else {
            FidelityReport report = ApiClient.JSON.readValue(body, FidelityReport.class);
            spec.commandLine().getOut().print(render(id, report));
        }
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    /** The summary of {@code modelpress compress}, naming the job's files as the server does. */
    static String render(String id, FidelityReport report) {
        return new ReportSummary(Path.of("job-" + id + ".onnx"), Path.of("(modelpress download " + id + " -o DIR)"),
                Path.of("(modelpress report " + id + " --json)")).render(report);
    }
}
