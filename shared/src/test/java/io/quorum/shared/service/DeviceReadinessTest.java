package io.quorum.shared.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.quorum.shared.inference.DevicePolicy;
import io.quorum.shared.inference.DeviceReport;
import io.quorum.shared.inference.DeviceUnavailableException;
import io.quorum.shared.inference.InferenceOptions;
import org.junit.jupiter.api.Test;

/**
 * The start-up probe on this machine's ONNX Runtime: {@code cpu} and {@code auto} run, {@code cuda} either runs on CUDA
 * (a GPU build on a GPU) or fails with the reason and leaves the device report "not as requested" (not ready).
 */
class DeviceReadinessTest {

    @Test
    void cpuAndAutoRunAndAreAsRequested() {
        assertThat(DeviceReadiness.probe(InferenceOptions.cpu(1))).isEqualTo("cpu");
        assertThat(DeviceReport.asRequested(DeviceReport.last())).isTrue();
        String auto = DeviceReadiness.probe(new InferenceOptions(DevicePolicy.AUTO, 1, 1, 0));
        assertThat(auto).matches("cpu|cuda:0");
        assertThat(DeviceReport.asRequested(DeviceReport.last())).as("auto on CPU is what auto means").isTrue();
    }

    @Test
    void cudaRequiredFailsFastWithTheReasonWhenItCannotBeUsed() {
        InferenceOptions cuda = new InferenceOptions(DevicePolicy.CUDA, 1, 1, 0);
        if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            String device;
            try {
                device = DeviceReadiness.probe(cuda);
            } catch (DeviceUnavailableException e) {
                assertThat(e).hasMessageContaining("quorum.inference.device=cuda but");
                assertThat(DeviceReport.asRequested(DeviceReport.last())).isFalse();
                return;
            }
            assertThat(device).startsWith("cuda:");
            assertThat(DeviceReport.asRequested(DeviceReport.last())).isTrue();
            return;
        }
        assertThatThrownBy(() -> DeviceReadiness.probe(cuda)).isInstanceOf(DeviceUnavailableException.class)
                .hasMessageContaining("quorum.inference.device=cuda but this ONNX Runtime build has no CUDA execution provider");
        DeviceReport.Choice last = DeviceReport.last();
        assertThat(last.requested()).isEqualTo(DevicePolicy.CUDA);
        assertThat(last.device()).isEqualTo(DeviceReport.UNAVAILABLE);
        assertThat(DeviceReport.asRequested(last)).as("a pod that asked for CUDA and has none is not ready").isFalse();
    }

    @Test
    void onlyCudaRequiredAndNotObtainedIsNotAsRequested() {
        assertThat(DeviceReport.asRequested(null)).isTrue();
        assertThat(DeviceReport.asRequested(new DeviceReport.Choice(DevicePolicy.AUTO, "cpu", "fallback"))).isTrue();
        assertThat(DeviceReport.asRequested(new DeviceReport.Choice(DevicePolicy.CUDA, "cuda:1", "loaded"))).isTrue();
        assertThat(DeviceReport.asRequested(new DeviceReport.Choice(DevicePolicy.CUDA, "cpu", "?"))).isFalse();
    }
}
