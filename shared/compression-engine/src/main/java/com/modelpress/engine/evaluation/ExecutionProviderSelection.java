package com.modelpress.engine.evaluation;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Chooses the execution provider from what was requested, what the ONNX Runtime build offers and whether an
 * NVIDIA device is present. {@link #select} and {@link #afterLoad} are pure (every case is unit-tested);
 * {@link #detect} gathers their inputs from this process and machine.
 *
 * <p>{@code AUTO} prefers CUDA and falls back to CPU with the reason; {@code CUDA} throws
 * {@link ExecutionProviderUnavailableException} instead of falling back, so a GPU worker that cannot use its
 * GPU fails at startup rather than quietly running on CPU.
 */
public final class ExecutionProviderSelection {

    /** Device nodes of NVIDIA GPUs: {@code /dev/nvidia0}, {@code /dev/nvidia1}, … (not nvidiactl or nvidia-uvm). */
    private static final Pattern GPU_DEVICE_NODE = Pattern.compile("nvidia\\d+");

    private ExecutionProviderSelection() {
    }

    /**
     * @param requested          never null
     * @param available          the providers the loaded ONNX Runtime was built with
     *                           ({@link OrtEnvironment#getAvailableProviders()}); never null
     * @param cudaDevicePresent  whether the machine shows an NVIDIA device ({@link #cudaDevicePresent(Path)})
     * @return the provider to use and why
     * @throws ExecutionProviderUnavailableException when CUDA was requested and the build or the device is missing
     */
    public static ExecutionProviderChoice select(ExecutionProviderRequest requested, Set<OrtProvider> available,
                                                 boolean cudaDevicePresent) {
        Objects.requireNonNull(requested, "requested");
        Objects.requireNonNull(available, "available");
        return switch (requested) {
            case CPU -> new ExecutionProviderChoice(ExecutionProvider.CPU, "CPU requested");
            case AUTO, CUDA -> {
                String missing = cudaMissing(available, cudaDevicePresent);
                if (missing == null) {
                    yield new ExecutionProviderChoice(ExecutionProvider.CUDA,
                            (requested == ExecutionProviderRequest.AUTO ? "auto: " : "CUDA requested: ")
                                    + "onnxruntime has the CUDA provider and an NVIDIA device is present");
                }
                if (requested == ExecutionProviderRequest.CUDA) {
                    throw new ExecutionProviderUnavailableException(ExecutionProvider.CUDA, missing);
                }
                yield new ExecutionProviderChoice(ExecutionProvider.CPU, "CUDA unavailable: " + missing);
            }
        };
    }

    /**
     * The choice once the chosen provider was loaded: ONNX Runtime lists CUDA whenever it was built with it, but
     * loading the provider still needs the CUDA and cuDNN libraries.
     *
     * @param requested   never null
     * @param choice      what {@link #select} returned; never null
     * @param loadFailure nullable: why loading the chosen provider failed, null when it loaded (or was CPU)
     * @throws ExecutionProviderUnavailableException when CUDA was requested and failed to load
     */
    public static ExecutionProviderChoice afterLoad(ExecutionProviderRequest requested, ExecutionProviderChoice choice,
                                                    String loadFailure) {
        Objects.requireNonNull(requested, "requested");
        Objects.requireNonNull(choice, "choice");
        if (loadFailure == null || choice.provider() == ExecutionProvider.CPU) {
            return choice;
        }
        String reason = "the CUDA provider failed to load: " + loadFailure.strip();
        if (requested == ExecutionProviderRequest.CUDA) {
            throw new ExecutionProviderUnavailableException(ExecutionProvider.CUDA, reason);
        }
        return new ExecutionProviderChoice(ExecutionProvider.CPU, "CUDA unavailable: " + reason);
    }

    /**
     * Whether the machine under {@code root} shows an NVIDIA GPU: a device node {@code dev/nvidia<N>} (what the
     * NVIDIA container runtime mounts into a container) or an entry under {@code proc/driver/nvidia/gpus}.
     *
     * @param root {@code /} in production; a folder laid out like it in tests
     */
    public static boolean cudaDevicePresent(Path root) {
        return hasEntry(root.resolve("dev"), GPU_DEVICE_NODE)
                || hasEntry(root.resolve("proc").resolve("driver").resolve("nvidia").resolve("gpus"), null);
    }

    /**
     * Probes this process: the providers of the loaded ONNX Runtime, the NVIDIA device files under {@code /}, and,
     * when CUDA is chosen, loading the CUDA provider into a session options object.
     *
     * @throws ExecutionProviderUnavailableException when CUDA was requested and cannot be used
     */
    public static ExecutionProviderChoice detect(ExecutionProviderRequest requested) {
        ExecutionProviderChoice choice = select(requested, OrtEnvironment.getAvailableProviders(),
                cudaDevicePresent(Path.of("/")));
        if (choice.provider() == ExecutionProvider.CPU) {
            return choice;
        }
        String failure = null;
        // the environment must exist before a provider is appended (ONNX Runtime's logger lives in it)
        OrtEnvironment.getEnvironment();
        try (SessionOptions options = new SessionOptions()) {
            options.addCUDA(0);
        } catch (OrtException | LinkageError e) {
            failure = String.valueOf(e.getMessage());
        }
        return afterLoad(requested, choice, failure);
    }

    private static String cudaMissing(Set<OrtProvider> available, boolean devicePresent) {
        boolean provider = available.contains(OrtProvider.CUDA);
        if (!provider && !devicePresent) {
            return "onnxruntime built without CUDA provider, and no NVIDIA device found";
        }
        if (!provider) {
            return "onnxruntime built without CUDA provider";
        }
        if (!devicePresent) {
            return "no NVIDIA device found (no /dev/nvidia<N>, nothing under /proc/driver/nvidia/gpus)";
        }
        return null;
    }

    /** Whether {@code folder} is a readable folder with an entry whose name matches (any entry when null). */
    private static boolean hasEntry(Path folder, Pattern name) {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                if (name == null || name.matcher(entry.getFileName().toString()).matches()) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
