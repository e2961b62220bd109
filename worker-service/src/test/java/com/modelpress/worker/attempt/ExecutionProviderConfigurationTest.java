package com.modelpress.worker.attempt;

import com.modelpress.engine.evaluation.ExecutionProvider;
import com.modelpress.engine.evaluation.ExecutionProviderChoice;
import com.modelpress.engine.evaluation.ExecutionProviderRequest;
import com.modelpress.engine.evaluation.ExecutionProviderUnavailableException;
import com.modelpress.worker.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** {@code modelpress.worker.execution-provider} as the worker binds it and chooses at startup (CPU build of ORT). */
class ExecutionProviderConfigurationTest {

    @Test
    void autoIsTheDefaultAndFallsBackToCpuWithTheReason() {
        WorkerProperties properties = bind(Map.of());

        ExecutionProviderChoice choice = new RunConfiguration().executionProvider(properties);

        assertThat(properties.executionProvider()).isEqualTo(ExecutionProviderRequest.AUTO);
        assertThat(choice.provider()).isEqualTo(ExecutionProvider.CPU);
        assertThat(choice.reason()).startsWith("CUDA unavailable: onnxruntime built without CUDA provider");
    }

    @Test
    void cpuAndCudaBindFromTheirLowerCaseNames() {
        assertThat(bind(Map.of("modelpress.worker.execution-provider", "cpu")).executionProvider())
                .isEqualTo(ExecutionProviderRequest.CPU);
        assertThat(bind(Map.of("modelpress.worker.execution-provider", "cuda")).executionProvider())
                .isEqualTo(ExecutionProviderRequest.CUDA);
        assertThatThrownBy(() -> bind(Map.of("modelpress.worker.execution-provider", "tpu")))
                .isInstanceOf(BindException.class);
    }

    @Test
    void cudaRequestedOnACpuBuildStopsTheWorkerWithTheReason() {
        WorkerProperties cuda = bind(Map.of("modelpress.worker.execution-provider", "cuda"));

        assertThatThrownBy(() -> new RunConfiguration().executionProvider(cuda))
                .isInstanceOf(ExecutionProviderUnavailableException.class)
                .hasMessageStartingWith("CUDA execution provider requested but unavailable: onnxruntime built without CUDA provider");
    }

    @Test
    void theStartupFailureSaysWhatIsMissingAndWhatToChange() {
        WorkerProperties cuda = bind(Map.of("modelpress.worker.execution-provider", "cuda"));
        Throwable failure = catchThrowable(() -> new RunConfiguration().executionProvider(cuda));

        FailureAnalysis analysis = new ExecutionProviderFailureAnalyzer()
                .analyze(new IllegalStateException("context refresh failed", failure));

        assertThat(analysis.getDescription()).isEqualTo(failure.getMessage());
        assertThat(analysis.getAction()).contains("MODELPRESS_WORKER_EXECUTION_PROVIDER", "-Pgpu");
    }

    private static WorkerProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("modelpress.worker", WorkerProperties.class);
    }
}
