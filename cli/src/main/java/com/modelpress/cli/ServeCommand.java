package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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
                "Ctrl-C or SIGTERM stops it cleanly; starting again on the same --data-dir keeps earlier jobs and artifacts.",
                "The API needs a key: the first start creates an admin key, prints it once and stores it in "
                        + "<data-dir>/api-key (mode 0600), where the other commands find it for the default --data-dir; "
                        + "later starts reuse it. --api-key (or $MODELPRESS_API_KEY) sets a known one."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port of the API (default: ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = "--host", paramLabel = "ADDRESS",
            description = "Address the API listens on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every "
                    + "interface: anyone who can reach it may try keys, so put TLS in front of it).")
    String host = StandalonePlatform.LOOPBACK;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the database, the broker's store and the artifacts live (default: ${DEFAULT-VALUE}).")
    Path dataDir = defaultDataDirectory();

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "The admin key the API accepts, at least 32 characters (default: $" + ServerOption.KEY_ENV
                    + ", else the one stored in <data-dir>/api-key, else a new one).")
    String apiKey;

    static Path defaultDataDirectory() {
        return Path.of(System.getProperty("user.home"), ".modelpress");
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        out.println("data dir: " + dataDir.toAbsolutePath().normalize());
        out.flush();
        LocalApiKey key = localKey(spec, dataDir, ServerOption.explicitKey(apiKey, System.getenv()));
        warnWhenExposed(spec, host);
        StandalonePlatform platform = StandalonePlatform.start(dataDir, host, port, key.key(),
                spec.commandLine().getErr(), java.util.Map.of());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                platform.close();
            } finally {
                stopped.countDown();
            }
        }, "modelpress-serve-stop"));
        printReady(out, platform, key);
        stopped.await();
        return ExitCode.OK;
    }

    /** A warning when {@code --host} opens the API beyond this machine. */
    static void warnWhenExposed(CommandSpec spec, String host) {
        PrintWriter err = spec.commandLine().getErr();
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "--host: unknown address " + host, e);
        }
        if (!loopback) {
            err.println("warning: --host " + host + " opens the API (plain HTTP) to other machines: every client can try "
                    + "API keys against it; put it behind TLS and a firewall. PostgreSQL and the broker stay on 127.0.0.1.");
            err.flush();
        }
    }

    /** @param given nullable: --api-key or $MODELPRESS_API_KEY */
    static LocalApiKey localKey(CommandSpec spec, Path dataDir, String given) throws IOException {
        try {
            return LocalApiKey.resolve(dataDir, given);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--api-key: " + e.getMessage(), e);
        }
    }

    /** Says where the key is; the key itself only when it was just created (it is shown once). */
    static void printKey(PrintWriter out, LocalApiKey key) {
        if (key.created()) {
            out.println("  API key:    " + key.key() + "   (new admin key, shown once; stored in " + key.file() + ")");
        } else {
            out.println("  API key:    stored in " + key.file());
        }
    }

    static void printReady(PrintWriter out, StandalonePlatform platform, LocalApiKey key) {
        String host = platform.host().equals("0.0.0.0") || platform.host().equals("::") ? StandalonePlatform.LOOPBACK
                : platform.host().contains(":") ? "[" + platform.host() + "]" : platform.host();
        String url = "http://" + host + ":" + platform.port();
        out.println("ModelPress is running");
        out.println("  Dashboard:  " + url + "/   (sign in with the API key below)");
        out.println("  API:        " + url + "/api/v1/jobs");
        out.println("  Swagger UI: " + url + "/swagger-ui.html");
        out.println("  data dir:   " + platform.dataDirectory());
        printKey(out, key);
        out.println("  clients send it as 'Authorization: Bearer <key>'; the modelpress commands read it from "
                + ServerOption.defaultKeyFile() + " or $" + ServerOption.KEY_ENV);
        out.println("Ctrl-C stops it.");
        out.flush();
    }
}
