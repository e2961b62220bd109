package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code modelpress webhook}: tools for webhook receivers. */
@Command(name = "webhook",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = "Tools for receivers of ModelPress webhooks.",
        subcommands = {WebhookVerifyCommand.class})
final class WebhookCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: try 'modelpress webhook verify --help'");
    }
}
