package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

class ExecutionProviderSelectionTest {

    private static final Set<OrtProvider> CPU_BUILD = EnumSet.of(OrtProvider.CPU);
    private static final Set<OrtProvider> GPU_BUILD = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);
    /** A build with other accelerators but not CUDA: TensorRT alone does not make CUDA usable here. */
    private static final Set<OrtProvider> TENSORRT_BUILD = EnumSet.of(OrtProvider.CPU, OrtProvider.TENSOR_RT);

    @TempDir
    Path root;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void cpuRequestedIsCpuWhateverTheBuildAndDevice(boolean device) {
        for (Set<OrtProvider> build : List.of(CPU_BUILD, GPU_BUILD, TENSORRT_BUILD, EnumSet.allOf(OrtProvider.class))) {
            ExecutionProviderChoice choice = ExecutionProviderSelection.select(ExecutionProviderRequest.CPU, build, device);
            assertThat(choice.provider()).isEqualTo(ExecutionProvider.CPU);
            assertThat(choice.reason()).isEqualTo("CPU requested");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ExecutionProviderRequest.class, names = {"AUTO", "CUDA"})
    void cudaWhenTheBuildHasItAndADeviceIsPresent(ExecutionProviderRequest requested) {
        ExecutionProviderChoice choice = ExecutionProviderSelection.select(requested, GPU_BUILD, true);

        assertThat(choice.provider()).isEqualTo(ExecutionProvider.CUDA);
        assertThat(choice.reason()).contains("onnxruntime has the CUDA provider and an NVIDIA device is present")
                .startsWith(requested == ExecutionProviderRequest.AUTO ? "auto: " : "CUDA requested: ");
    }

    @Test
    void autoFallsBackToCpuWithTheReason() {
        assertThat(ExecutionProviderSelection.select(ExecutionProviderRequest.AUTO, CPU_BUILD, true))
                .isEqualTo(new ExecutionProviderChoice(ExecutionProvider.CPU,
                        "CUDA unavailable: onnxruntime built without CUDA provider"));
        assertThat(ExecutionProviderSelection.select(ExecutionProviderRequest.AUTO, TENSORRT_BUILD, true))
                .isEqualTo(new ExecutionProviderChoice(ExecutionProvider.CPU,
                        "CUDA unavailable: onnxruntime built without CUDA provider"));
        assertThat(ExecutionProviderSelection.select(ExecutionProviderRequest.AUTO, GPU_BUILD, false))
                .isEqualTo(new ExecutionProviderChoice(ExecutionProvider.CPU,
                        "CUDA unavailable: no NVIDIA device found (no /dev/nvidia<N>, nothing under /proc/driver/nvidia/gpus)"));
        assertThat(ExecutionProviderSelection.select(ExecutionProviderRequest.AUTO, CPU_BUILD, false))
                .isEqualTo(new ExecutionProviderChoice(ExecutionProvider.CPU,
                        "CUDA unavailable: onnxruntime built without CUDA provider, and no NVIDIA device found"));
    }

    @Test
    void cudaRequestedButUnavailableFailsWithTheReason() {
        assertThatThrownBy(() -> ExecutionProviderSelection.select(ExecutionProviderRequest.CUDA, CPU_BUILD, true))
                .isInstanceOf(ExecutionProviderUnavailableException.class)
                .hasMessage("CUDA execution provider requested but unavailable: onnxruntime built without CUDA provider");
        assertThatThrownBy(() -> ExecutionProviderSelection.select(ExecutionProviderRequest.CUDA, TENSORRT_BUILD, true))
                .hasMessageContaining("onnxruntime built without CUDA provider");
        assertThatThrownBy(() -> ExecutionProviderSelection.select(ExecutionProviderRequest.CUDA, GPU_BUILD, false))
                .isInstanceOf(ExecutionProviderUnavailableException.class)
                .hasMessageContaining("no NVIDIA device found")
                .satisfies(e -> assertThat(((ExecutionProviderUnavailableException) e).requested())
                        .isEqualTo(ExecutionProvider.CUDA));
        assertThatThrownBy(() -> ExecutionProviderSelection.select(ExecutionProviderRequest.CUDA, CPU_BUILD, false))
                .hasMessageContaining("built without CUDA provider, and no NVIDIA device found");
    }

    /** Every request × build × device: CUDA only when all three allow it, a throw only when CUDA was demanded. */
    @Test
    void everyCombinationFollowsTheRule() {
        for (ExecutionProviderRequest requested : ExecutionProviderRequest.values()) {
            for (Set<OrtProvider> build : List.of(CPU_BUILD, GPU_BUILD, TENSORRT_BUILD, Set.<OrtProvider>of())) {
                for (boolean device : new boolean[] {true, false}) {
                    boolean cudaUsable = build.contains(OrtProvider.CUDA) && device;
                    if (requested == ExecutionProviderRequest.CUDA && !cudaUsable) {
                        assertThatThrownBy(() -> ExecutionProviderSelection.select(requested, build, device))
                                .isInstanceOf(ExecutionProviderUnavailableException.class);
                        continue;
                    }
                    ExecutionProviderChoice choice = ExecutionProviderSelection.select(requested, build, device);
                    ExecutionProvider expected = requested != ExecutionProviderRequest.CPU && cudaUsable
                            ? ExecutionProvider.CUDA : ExecutionProvider.CPU;
                    assertThat(choice.provider()).as("%s %s device=%s", requested, build, device).isEqualTo(expected);
                    assertThat(choice.reason()).isNotBlank();
                }
            }
        }
    }

    @Test
    void aCudaProviderThatFailsToLoadFallsBackUnderAutoAndFailsUnderCuda() {
        ExecutionProviderChoice cuda = ExecutionProviderSelection.select(ExecutionProviderRequest.AUTO, GPU_BUILD, true);
        String failure = "libcublasLt.so.12: cannot open shared object file: No such file or directory\n";

        assertThat(ExecutionProviderSelection.afterLoad(ExecutionProviderRequest.AUTO, cuda, failure))
                .isEqualTo(new ExecutionProviderChoice(ExecutionProvider.CPU, "CUDA unavailable: the CUDA provider "
                        + "failed to load: libcublasLt.so.12: cannot open shared object file: No such file or directory"));
        assertThatThrownBy(() -> ExecutionProviderSelection.afterLoad(ExecutionProviderRequest.CUDA, cuda, failure))
                .isInstanceOf(ExecutionProviderUnavailableException.class)
                .hasMessageStartingWith("CUDA execution provider requested but unavailable: the CUDA provider failed to load: libcublasLt");
    }

    @Test
    void aLoadedProviderOrCpuKeepsItsChoice() {
        ExecutionProviderChoice cuda = ExecutionProviderSelection.select(ExecutionProviderRequest.CUDA, GPU_BUILD, true);
        ExecutionProviderChoice cpu = ExecutionProviderSelection.select(ExecutionProviderRequest.CPU, GPU_BUILD, true);

        assertThat(ExecutionProviderSelection.afterLoad(ExecutionProviderRequest.CUDA, cuda, null)).isEqualTo(cuda);
        assertThat(ExecutionProviderSelection.afterLoad(ExecutionProviderRequest.CPU, cpu, null)).isEqualTo(cpu);
        // a CPU choice never loaded CUDA, so a failure text cannot apply to it
        assertThat(ExecutionProviderSelection.afterLoad(ExecutionProviderRequest.AUTO, cpu, "ignored")).isEqualTo(cpu);
    }

    @Test
    void aDeviceIsSeenThroughDevNvidiaNodesOrProcGpus() throws IOException {
        assertThat(ExecutionProviderSelection.cudaDevicePresent(root)).isFalse();

        Files.createDirectories(root.resolve("dev"));
        Files.createFile(root.resolve("dev/nvidiactl"));
        Files.createFile(root.resolve("dev/nvidia-uvm"));
        assertThat(ExecutionProviderSelection.cudaDevicePresent(root)).as("control nodes are not a GPU").isFalse();

        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus"));
        assertThat(ExecutionProviderSelection.cudaDevicePresent(root)).as("an empty gpus folder").isFalse();

        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:3b:00.0"));
        assertThat(ExecutionProviderSelection.cudaDevicePresent(root)).isTrue();

        Path other = Files.createDirectories(root.resolve("other"));
        Files.createDirectories(other.resolve("dev"));
        Files.createFile(other.resolve("dev/nvidia3"));
        assertThat(ExecutionProviderSelection.cudaDevicePresent(other)).as("the one GPU a container was given").isTrue();
    }

    @Test
    void choicesNeedAProviderAndAReason() {
        assertThatThrownBy(() -> new ExecutionProviderChoice(ExecutionProvider.CPU, " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExecutionProviderChoice(null, "why")).isInstanceOf(NullPointerException.class);
    }

    /** The test classpath has the CPU build of ONNX Runtime: auto must come back CPU, cuda must refuse. */
    @Test
    void detectOnTheCpuBuildFallsBackUnderAutoAndRefusesCuda() {
        assertThat(OrtEnvironment.getAvailableProviders()).doesNotContain(OrtProvider.CUDA);

        ExecutionProviderChoice auto = ExecutionProviderSelection.detect(ExecutionProviderRequest.AUTO);

        assertThat(auto.provider()).isEqualTo(ExecutionProvider.CPU);
        assertThat(auto.reason()).startsWith("CUDA unavailable: onnxruntime built without CUDA provider");
        assertThat(ExecutionProviderSelection.detect(ExecutionProviderRequest.CPU).provider()).isEqualTo(ExecutionProvider.CPU);
        assertThatThrownBy(() -> ExecutionProviderSelection.detect(ExecutionProviderRequest.CUDA))
                .isInstanceOf(ExecutionProviderUnavailableException.class)
                .hasMessageContaining("onnxruntime built without CUDA provider");
    }
}
