package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code modelpress serve}: the whole platform in this JVM, until Ctrl-C or SIGTERM. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = {"Run ModelPress standalone: embedded PostgreSQL and AMQP broker, the REST API and one worker in "
                + "this process, artifacts on local disk. No Docker, no installed services.",
                "Ctrl-C or SIGTERM stops it cleanly; starting again on the same --data-dir keeps earlier jobs and artifacts."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port of the API (default: ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the database, the broker's store and the artifacts live (default: ${DEFAULT-VALUE}).")
    Path dataDir = defaultDataDirectory();

    static Path defaultDataDirectory() {
        return Path.of(System.getProperty("user.home"), ".modelpress");
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        out.println("data dir: " + dataDir.toAbsolutePath().normalize());
        out.flush();
        StandalonePlatform platform = StandalonePlatform.start(dataDir, port, spec.commandLine().getErr());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                platform.close();
            } finally {
                stopped.countDown();
            }
        }, "modelpress-serve-stop"));
        printReady(out, platform);
        stopped.await();
        return ExitCode.OK;
    }

    static void printReady(PrintWriter out, StandalonePlatform platform) {
        String url = "http://127.0.0.1:" + platform.port();
        out.println("ModelPress is running");
        out.println("  API:        " + url + "/api/v1/jobs");
        out.println("  Swagger UI: " + url + "/swagger-ui.html");
        out.println("  data dir:   " + platform.dataDirectory());
        out.println("Ctrl-C stops it.");
        out.flush();
    }
}
