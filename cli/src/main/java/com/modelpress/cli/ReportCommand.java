package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code modelpress report}: a job's fidelity report, as a table or as the server's JSON. */
@Command(name = "report",
        description = {"Print a finished job's fidelity report: the summary table, or the JSON with --json.",
                "--html FILE writes the server's self-contained HTML page of the report (charts, no script) instead."})
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobReference reference;

    @Option(names = "--json", description = "Print the report JSON (indented) instead of the summary.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Write the report's HTML page to FILE instead.")
    Path html;

    @Override
    public Integer call() throws IOException {
        if (html != null) {
            if (json) {
                throw new ParameterException(spec.commandLine(), "--json and --html exclude each other");
            }
            Path folder = html.toAbsolutePath().getParent();
            if (!Files.isDirectory(folder)) {
                throw new ParameterException(spec.commandLine(), "--html folder does not exist: " + folder);
            }
            String page = reference.client().reportHtml(reference.id);
            Files.writeString(html, page);
            spec.commandLine().getOut().println("%s  %,d bytes".formatted(html, Files.size(html)));
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
        String body = reference.client().reportJson(reference.id);
        if (json) {
            spec.commandLine().getOut().println(ApiClient.JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(ApiClient.JSON.readTree(body)));
        } else {
            FidelityReport report = ApiClient.JSON.readValue(body, FidelityReport.class);
            spec.commandLine().getOut().print(render(reference.id, report));
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
