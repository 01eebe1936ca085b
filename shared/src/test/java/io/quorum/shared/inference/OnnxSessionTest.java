package io.quorum.shared.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.onnx.OnnxGraph;
import org.junit.jupiter.api.Test;

class OnnxSessionTest {

    private static byte[] model() {
        OnnxGraph g = OnnxGraph.create("m");
        g.output(g.relu(g.input("x", 2)), "y", -1, 2);
        return g.toBytes();
    }

    @Test
    void cudaPolicyFailsFastWithoutCuda() {
        org.junit.jupiter.api.Assumptions.assumeFalse(ai.onnxruntime.OrtEnvironment.getAvailableProviders()
                .contains(ai.onnxruntime.OrtProvider.CUDA), "this machine has CUDA");
        assertThatThrownBy(() -> OnnxSession.open(model(), new InferenceOptions(DevicePolicy.CUDA, 1, 1, 0)))
                .isInstanceOf(DeviceUnavailableException.class).hasMessageContaining("cuda");
    }

    @Test
    void autoPolicyFallsBackToCpuAndSaysSo() throws Exception {
        try (OnnxSession s = OnnxSession.open(model(), new InferenceOptions(DevicePolicy.AUTO, 1, 1, 0))) {
            if (s.device().equals("cpu")) {
                assertThat(s.deviceReason()).contains("falling back to CPU");
            }
            assertThat(DeviceReport.last().requested()).isEqualTo(DevicePolicy.AUTO);
            assertThat(DeviceReport.last().device()).isEqualTo(s.device());
        }
    }

    @Test
    void policyParsing() {
        assertThat(DevicePolicy.parse(" CUDA ")).isEqualTo(DevicePolicy.CUDA);
        assertThatThrownBy(() -> DevicePolicy.parse("tpu")).hasMessageContaining("auto, cpu or cuda");
    }
}
