package io.quorum.shared.service;

import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.inference.DevicePolicy;
import io.quorum.shared.inference.DeviceReport;
import io.quorum.shared.inference.DeviceUnavailableException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.onnx.OnnxGraph;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * The inference device as a start-up condition and a readiness check. With {@code quorum.inference.device=cuda} the
 * service opens a one-node probe session at start-up and fails to start (the process exits, the pod restarts with the
 * reason in its log) when CUDA cannot be used, instead of serving nothing or serving on CPU; afterwards it is not
 * ready while its latest session is not on CUDA. {@code auto} and {@code cpu} are ready on either device (the
 * {@code quorum_inference_device_info} metric tells where they run).
 */
@Readiness
@ApplicationScoped
public class DeviceReadiness implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(DeviceReadiness.class);

    @Inject
    InferenceConfig inference;

    @Inject
    DeviceInfoGauge gauge;

    void onStart(@Observes StartupEvent ev) {
        InferenceOptions options = inference.options();
        if (options.device() != DevicePolicy.CUDA) {
            return;
        }
        try {
            String device = probe(options);
            LOG.infof("quorum.inference.device=cuda: ONNX Runtime runs on %s", device);
        } catch (DeviceUnavailableException e) {
            LOG.errorf("not starting: %s", e.getMessage());
            throw e;
        } finally {
            gauge.refresh();
        }
    }

    /**
     * Opens and closes a one-node session with {@code options}; returns the device it ran on.
     *
     * @throws DeviceUnavailableException when the options require CUDA and it cannot be used
     */
    static String probe(InferenceOptions options) {
        OnnxGraph g = OnnxGraph.create("quorum-device-probe");
        g.output(g.relu(g.input("x", 1)), "y", -1, 1);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), options)) {
            return s.device();
        } catch (DeviceUnavailableException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the device probe session failed: " + e.getMessage(), e);
        }
    }

    @Override
    public HealthCheckResponse call() {
        DeviceReport.Choice c = DeviceReport.last();
        return HealthCheckResponse.named("inference-device").status(DeviceReport.asRequested(c))
                .withData("requested", inference.device())
                .withData("device", c == null ? "no session yet" : c.device())
                .withData("reason", c == null ? "" : c.reason()).build();
    }
}
