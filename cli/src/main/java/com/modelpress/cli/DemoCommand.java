package com.modelpress.cli;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.FidelityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code modelpress demo}: compresses all-MiniLM-L6-v2 end to end through the REST API, starting the standalone
 * platform first when no server answers, and stopping what it started.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = {"Compress a real model (all-MiniLM-L6-v2 from Maven Central) through the REST API: submit, "
                + "follow, download, print the fidelity table.",
                "Starts the standalone platform (as 'modelpress serve' does) when nothing answers at --server."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_JOB_FAILED,
                ExitCode.HELP_JOB_CANCELLED, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOption server;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data folder of the platform it starts, and where the model and results go (default: ${DEFAULT-VALUE}).")
    Path dataDir = ServeCommand.defaultDataDirectory();

    @Option(names = {"-m", "--method"}, paramLabel = "METHOD", completionCandidates = SpecOptions.MethodIds.class,
            description = "Compression method (default: ${DEFAULT-VALUE}).")
    String method = "int8";

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String explicitKey = server.explicitKey();
        ApiClient client = server.client(server.key(List.of(dataDir.resolve(LocalApiKey.FILE_NAME),
                ServerOption.defaultKeyFile())));
        StandalonePlatform started = null;
        if (!answers(client)) {
            URI url = client.server();
            if (!InetAddress.getByName(url.getHost()).isLoopbackAddress()) {
                throw new ParameterException(spec.commandLine(), "nothing answers at " + url
                        + ", and a standalone platform can only be started on this machine");
            }
            int port = url.getPort() == -1 ? 80 : url.getPort();
            err.println("no server at " + url + ": starting the standalone platform (data dir " + dataDir + ")");
            err.flush();
            LocalApiKey key = ServeCommand.localKey(spec, dataDir, explicitKey);
            started = StandalonePlatform.start(dataDir, port, key.key(), err);
            ServeCommand.printKey(err, key);
            err.flush();
            client = server.client(key.key());
        }
        try {
            Path model = new DemoModel(DemoModel.CENTRAL).fetchInto(dataDir.resolve("models"));
            err.println("model: " + model);
            err.flush();
            JobView job = client.submit(model, new CompressionRequest(method, null, null, null, Map.of("source", "modelpress demo")), null);
            out.println("job " + job.id() + " submitted (" + method + ")");
            out.flush();
            int outcome = new JobWaiter(client, out, err, Duration.ofMillis(500)).await(job.id(),
                    new FidelityGates(null, null, null));
            if (outcome != ExitCode.OK) {
                return outcome;
            }
            Path results = dataDir.resolve("demo").resolve(job.id());
            java.nio.file.Files.createDirectories(results);
            List<Path> files = DownloadCommand.downloadAll(client, job.id(), client.artifacts(job.id()), results);
            FidelityReport report = ApiClient.JSON.readValue(client.reportJson(job.id()), FidelityReport.class);
            Path compressed = files.stream().filter(f -> f.getFileName().toString().endsWith(".onnx")).findFirst()
                    .orElse(results);
            Path reportFile = files.stream().filter(f -> f.getFileName().toString().endsWith(".json")).findFirst()
                    .orElse(null);
            out.println();
            out.print(new ReportSummary(model, compressed, reportFile).render(report));
            out.println("files: " + results.toAbsolutePath());
            files.forEach(f -> out.println("  " + f.getFileName()));
            out.flush();
            return ExitCode.OK;
        } finally {
            if (started != null) {
                err.println("stopping the standalone platform");
                err.flush();
                started.close();
            }
        }
    }

    private static boolean answers(ApiClient client) {
        try {
            client.job("00000000-0000-0000-0000-000000000000");
            return true;
        } catch (ApiProblemException e) {
            // a 404 for the made-up job is an answer
            return true;
        } catch (ServerUnreachableException e) {
            return false;
        }
    }
}
