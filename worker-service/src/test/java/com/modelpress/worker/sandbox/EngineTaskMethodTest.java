package com.modelpress.worker.sandbox;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.engine.CompressionMethod;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A job's {@code target} reaches the engine as it was asked: size, bits per weight, fidelity floor, evaluation budget. */
class EngineTaskMethodTest {

    @Test
    void aSizeTargetWithAFloorReachesTheEngine() {
        CompressionRequest request = new CompressionRequest("auto", null,
                new CompressionRequest.Target(null, null, 0.01, null, "2.5MB", 3.5), null, null);
        CompressionMethod.Auto auto = (CompressionMethod.Auto) EngineTask.method(request, Duration.ofMinutes(3));
        assertThat(auto.size().bytes().bytes()).isEqualTo(2_500_000L);
        assertThat(auto.size().bitsPerWeight()).isEqualTo(3.5);
        assertThat(auto.goal().maxKl()).isEqualTo(0.01);
        assertThat(auto.maxEvaluations()).isEqualTo(CompressionMethod.Auto.DEFAULT_MAX_EVALUATIONS);
        // the worker's budget is a wall-clock limit that may only stop the search early
        assertThat(auto.timeLimit()).isEqualTo(Duration.ofMinutes(3));
        assertThat(auto.describe()).isEqualTo("size 2.5MB, 3.50 bits per weight, KL 0.0100");
    }

    @Test
    void aSizeAloneIsATargetAndABadOneIsRefused() {
        CompressionMethod.Auto auto = (CompressionMethod.Auto) EngineTask.method(new CompressionRequest("auto", null,
                new CompressionRequest.Target(null, null, null, null, "0.25x", null), null, null), Duration.ofMinutes(1));
        assertThat(auto.goal()).isNull();
        assertThat(auto.size().bytes().ratio()).isEqualTo(0.25);
        assertThatThrownBy(() -> EngineTask.method(new CompressionRequest("auto", null,
                new CompressionRequest.Target(null, null, null, null, "lots", null), null, null), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a size");
    }
}
