package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code modelpress download}: every artifact of a job, each checked against its SHA-256. */
@Command(name = "download",
        description = {"Download every artifact of a job (compressed model, external data, report) into a folder.",
                "Each file is checked against the SHA-256 the server announces; a mismatching file is deleted."})
final class DownloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobReference reference;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder to write into; created when missing.")
    Path folder;

    @Override
    public Integer call() throws IOException {
        ApiClient client = reference.client();
        List<ArtifactView> artifacts = client.artifacts(reference.id);
        Files.createDirectories(folder);
        PrintWriter out = spec.commandLine().getOut();
        for (Path file : downloadAll(client, reference.id, artifacts, folder)) {
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
