package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code modelpress download}: every artifact of a job, each checked against its SHA-256. */
@Command(name = "download",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = {"Download every artifact of a job (compressed model, external data, report) into a folder.",
                "Each file is checked against the SHA-256 the server announces; a mismatching file is deleted."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class DownloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOption server;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder to write into; created when missing.")
    Path folder;

    @Override
    public Integer call() throws IOException {
        ApiClient client = server.client();
        List<ArtifactView> artifacts = client.artifacts(id);
        Files.createDirectories(folder);
        PrintWriter out = spec.commandLine().getOut();
        for (Path file : downloadAll(client, id, artifacts, folder)) {
            out.println("%s  %,d bytes".formatted(file, Files.size(file)));
        }
        out.flush();
        return ExitCode.OK;
    }

    /** Downloads each artifact in turn; the first mismatch stops the download. */
    static List<Path> downloadAll(ApiClient client, String id, List<ArtifactView> artifacts, Path folder) throws IOException {
        List<Path> files = new java.util.ArrayList<>(artifacts.size());
        for (ArtifactView artifact : artifacts) {
            files.add(client.download(id, artifact, folder));
        }
        return files;
    }
}
