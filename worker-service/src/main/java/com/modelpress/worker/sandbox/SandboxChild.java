package com.modelpress.worker.sandbox;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.InvalidTextException;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.tokenizer.UnsupportedTokenizerException;
import com.modelpress.worker.failure.InvalidTextInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The engine's child JVM: {@code SandboxChild <request.json>} runs the {@link EngineTask} in that file and
 * reports as {@link SandboxProtocol} says. Plain Java, no Spring: the worker starts it with its own Java and
 * class path, a heap limit, {@code -XX:+ExitOnOutOfMemoryError} and {@code -XX:ErrorFile} in the scratch folder.
 */
public final class SandboxChild {

    private SandboxChild() {
    }

    public static void main(String[] args) {
        // stdout carries the protocol; everything else anyone prints goes to stderr
        PrintStream protocol = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        if (args.length != 1) {
            System.err.println("usage: SandboxChild <request.json>");
            System.exit(SandboxProtocol.EXIT_FAILED);
        }
        haltWhenTheWorkerIsGone(System.in);
        Path request = Path.of(args[0]);
        ChildOutcome outcome = run(request, (step, fraction) -> protocol.println(SandboxProtocol.progressLine(step, fraction)));
        int exit = switch (outcome) {
            case ChildOutcome.Succeeded s -> SandboxProtocol.EXIT_SUCCEEDED;
            case ChildOutcome.Rejected r -> SandboxProtocol.EXIT_REJECTED;
            case ChildOutcome.Failed f -> SandboxProtocol.EXIT_FAILED;
            case ChildOutcome.OutOfMemory o -> SandboxProtocol.EXIT_OUT_OF_MEMORY;
        };
        try {
            Path outcomeFile = request.resolveSibling(SandboxProtocol.OUTCOME);
            Path partial = request.resolveSibling(SandboxProtocol.OUTCOME + ".partial");
            Files.write(partial, SandboxProtocol.JSON.writeValueAsBytes(outcome));
            Files.move(partial, outcomeFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            System.err.println("could not write the outcome: " + e);
            exit = SandboxProtocol.EXIT_FAILED;
        }
        protocol.flush();
        System.exit(exit);
    }

    private static ChildOutcome run(Path request, ProgressListener progress) {
        try {
            EngineTask task = SandboxProtocol.JSON.readValue(request.toFile(), EngineTask.class);
            FidelityReport report = task.compressor().compress(task.model(), task.output(), task.method(), progress);
            return new ChildOutcome.Succeeded(report, Runtime.getRuntime().maxMemory(), peakHeapBytes());
        } catch (InvalidTextException e) {
            return new ChildOutcome.Rejected(InvalidTextInputException.TEXT, e.getMessage());
        } catch (UnsupportedTokenizerException e) {
            return new ChildOutcome.Rejected(InvalidTextInputException.TOKENIZER, e.getMessage());
        } catch (InvalidModelException e) {
            return new ChildOutcome.Rejected("invalid_model", e.getMessage());
        } catch (UnsupportedModelException e) {
            return new ChildOutcome.Rejected("unsupported_model", e.getMessage());
        } catch (OutOfMemoryError e) {
            return new ChildOutcome.OutOfMemory(String.valueOf(e.getMessage()));
        } catch (Throwable e) { // the child's boundary: whatever happened, the worker gets an outcome
            e.printStackTrace(System.err);
            return new ChildOutcome.Failed(e.getClass().getName(), e.getMessage());
        }
    }

    /** The worker holds the write end of our stdin: end of input means it died, and its job is not ours anymore. */
    private static void haltWhenTheWorkerIsGone(InputStream stdin) {
        Thread.ofPlatform().daemon().name("worker-watch").start(() -> {
            try {
                while (stdin.read() >= 0) {
                    // the worker never writes; keep waiting for the end
                }
            } catch (IOException e) {
                // a broken pipe is an end too
            }
            System.err.println("the worker is gone; stopping");
            Runtime.getRuntime().halt(SandboxProtocol.EXIT_ORPHANED);
        });
    }

    private static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
