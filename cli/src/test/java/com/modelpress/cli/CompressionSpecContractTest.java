package com.modelpress.cli;

import com.modelpress.api.job.ApiRequestValidation;
import com.modelpress.api.job.InvalidCompressionRequestException;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.files.FileTrees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line and the API accept and refuse the same compression specs, with the same messages: each row is a
 * spec written as {@code submit}/{@code compress} options and as the JSON an API client sends. A refused row must
 * exit 2 from both commands before any network call or model read, and its message, with each option written as the
 * request member it sets, must be the API's problem+json {@code errors} word for word; an accepted row must pass the
 * API and get past {@code submit}'s checks to the network (a closed port: exit 7). And the options must make the very
 * request the JSON is, so that neither side can read a member differently alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompressionSpecContractTest {

    /** One spec: its options, the same spec as request JSON, and whether it is valid. */
    record Row(List<String> options, String json, boolean valid) {
        @Override
        public String toString() {
            return String.join(" ", options);
        }
    }

    private Path dir;
    private Path model;
    private String closedServer;

    static Stream<Row> rows() {
        return Stream.of(
                valid("-m int8", """
                        {"method":"int8"}"""),
                valid("-m int4 --block-size 64 --rounding rtn --head int8 --symmetric", """
                        {"method":"int4","options":{"blockSize":64,"rounding":"rtn","head":"int8","symmetric":true}}"""),
                valid("-m int8 --keep-names", """
                        {"method":"int8","options":{"keepNames":true}}"""),
                valid("-m int8-dynamic --exclude a,b --min-elements 0", """
                        {"method":"int8-dynamic","options":{"excludeNodes":["a","b"],"minElements":0}}"""),
                valid("-m fp16 --samples 4 --seed 3 --shape input=2x4 --dim batch=2 --set sr=16000", """
                        {"method":"fp16","evaluation":{"samples":4,"seed":3,"shapes":{"input":[2,4]},
                         "dims":{"batch":2},"values":{"sr":16000}}}"""),
                valid("-m auto --min-cosine 0.99", """
                        {"method":"auto","target":{"minCosine":0.99}}"""),
                valid("-m auto --target-size 0.25x --max-kl 0.01", """
                        {"method":"auto","target":{"size":"0.25x","maxKl":0.01}}"""),
                valid("-m auto --target-bpw 3.5 --min-sqnr 20", """
                        {"method":"auto","target":{"bitsPerWeight":3.5,"minSqnrDb":20}}"""),
                valid("-m int8 --min-cosine 1 --decode-steps 0", """
                        {"method":"int8","target":{"minCosine":1},"evaluation":{"decodeSteps":0}}"""),
                invalid("-m int9", """
                        {"method":"int9"}"""),
                invalid("-m int4 --block-size 33", """
                        {"method":"int4","options":{"blockSize":33}}"""),
                // submit once took any cosine in [-1, 1]; the API only (0, 1]
                invalid("-m int8 --min-cosine -0.5", """
                        {"method":"int8","target":{"minCosine":-0.5}}"""),
                invalid("-m int8 --min-cosine 0", """
                        {"method":"int8","target":{"minCosine":0}}"""),
                invalid("-m auto", """
                        {"method":"auto"}"""),
                invalid("-m auto --target-output cls", """
                        {"method":"auto","target":{"targetOutput":"cls"}}"""),
                invalid("-m int8 --min-cosine 0.9 --target-output words", """
                        {"method":"int8","target":{"minCosine":0.9,"targetOutput":"words"}}"""),
                invalid("-m int4 --target-size 1MB", """
                        {"method":"int4","target":{"size":"1MB"}}"""),
                invalid("-m auto --target-size small", """
                        {"method":"auto","target":{"size":"small"}}"""),
                invalid("-m auto --target-bpw 1.5", """
                        {"method":"auto","target":{"bitsPerWeight":1.5}}"""),
                invalid("-m int4 --rounding stochastic --head int2", """
                        {"method":"int4","options":{"rounding":"stochastic","head":"int2"}}"""),
                invalid("-m int8 --min-elements -1 --samples 0", """
                        {"method":"int8","options":{"minElements":-1},"evaluation":{"samples":0}}"""),
                invalid("-m int8 --max-kl 0", """
                        {"method":"int8","target":{"maxKl":0}}"""),
                invalid("-m auto --min-cosine 1.01 --min-sqnr 20", """
                        {"method":"auto","target":{"minCosine":1.01,"minSqnrDb":20}}"""),
                invalid("-m int8 --decode-steps 1025 --samples 1025", """
                        {"method":"int8","evaluation":{"samples":1025,"decodeSteps":1025}}"""),
                invalid("-m int8 --shape input=2x-1 --dim batch=99999999999", """
                        {"method":"int8","evaluation":{"shapes":{"input":[2,-1]},"dims":{"batch":99999999999}}}"""));
    }

    @BeforeAll
    void model() throws IOException {
        dir = Files.createTempDirectory("modelpress-spec-contract-");
        model = TinyModels.matMul(dir.resolve("tiny.onnx"));
        closedServer = LocalPorts.url(LocalPorts.free());
    }

    @AfterAll
    void delete() {
        FileTrees.deleteQuietly(dir);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theCommandLineAndTheApiAgree(Row row) {
        assertThat(commandLineRequest(submitArgs(row))).as("the options make the request the JSON is")
                .isEqualTo(ApiClient.JSON.readValue(row.json(), CompressionRequest.class));
        List<InvalidCompressionRequestException.Violation> api = ApiRequestValidation.violations(row.json());
        assertThat(api.isEmpty()).as("the API accepts %s: %s", row.json(), api).isEqualTo(row.valid());

        CliRun submit = CliRun.of(submitArgs(row));
        if (row.valid()) {
            assertThat(submit.exitCode()).as("submit %s gets to the network: %s", row, submit.err())
                    .isEqualTo(ExitCode.SERVER_ERROR);
            return;
        }
        List<String> expected = api.stream().map(v -> v.field() + ": " + v.message()).toList();
        assertThat(asRequestMembers(usageError(submit))).as("submit %s", row).isEqualTo(expected);
        CliRun compress = CliRun.of(compressArgs(row));
        assertThat(asRequestMembers(usageError(compress))).as("compress %s", row).isEqualTo(expected);
    }

    @Test
    void everyOptionAMessageNamesIsAnOptionOfBothCommands() {
        var commands = ModelPressCommand.commandLine().getSubcommands();
        for (String command : List.of("submit", "compress")) {
            assertThat(SpecOptions.OPTIONS.values()).as(command).allSatisfy(option -> assertThat(
                    commands.get(command).getCommandSpec().findOption(option)).as(option).isNotNull());
        }
    }

    /** The request {@code submit} would send for these arguments. */
    private static CompressionRequest commandLineRequest(String[] args) {
        CommandLine.ParseResult parsed = ModelPressCommand.commandLine().parseArgs(args);
        SubmitCommand submit = parsed.subcommand().commandSpec().commandLine().getCommand();
        return submit.options.request(Map.of(), null);
    }

    private String[] submitArgs(Row row) {
        List<String> args = new ArrayList<>(List.of("submit", model.toString()));
        args.addAll(row.options());
        args.addAll(List.of("--server", closedServer, "--api-key", "mp_unused"));
        return args.toArray(String[]::new);
    }

    private String[] compressArgs(Row row) {
        List<String> args = new ArrayList<>(List.of("compress", model.toString(), "-o", dir.resolve("out.onnx").toString()));
        args.addAll(row.options());
        return args.toArray(String[]::new);
    }

    /** The problems of a usage error, one per entry, as {@code --option: message}. */
    private static List<String> usageError(CliRun run) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.USAGE);
        String line = run.errorLines().getFirst().substring("error: ".length());
        // problems are joined by "; " before the next option and its colon (messages may hold "; " themselves)
        return List.of(line.split("; (?=--[a-z-]+( [^ :;]+)?: )"));
    }

    /**
     * The command line's words for request members turned back into the API's: {@code --target-size} is
     * {@code target.size} where it names the offending member and {@code size} inside a message.
     */
    private static List<String> asRequestMembers(List<String> problems) {
        List<Map.Entry<String, String>> byLength = SpecOptions.OPTIONS.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, String> e) -> e.getValue().length()).reversed())
                .toList();
        List<String> members = new ArrayList<>();
        for (String problem : problems) {
            int colon = problem.indexOf(": ");
            String option = problem.substring(0, colon);
            String message = problem.substring(colon + 2);
            String field = option;
            for (Map.Entry<String, String> entry : byLength) {
                if (option.equals(entry.getValue())) {
                    field = entry.getKey();
                } else if (option.startsWith(entry.getValue() + " ")) {
                    field = entry.getKey() + "." + option.substring(entry.getValue().length() + 1);
                }
                String leaf = entry.getKey().substring(entry.getKey().lastIndexOf('.') + 1);
                message = message.replace(entry.getValue(), leaf);
            }
            members.add(field + ": " + message);
        }
        return members;
    }

    private static Row valid(String options, String json) {
        return new Row(List.of(options.split(" ")), json, true);
    }

    private static Row invalid(String options, String json) {
        return new Row(List.of(options.split(" ")), json, false);
    }
}
