package io.quorum.shared.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quorum.shared.inference.DeviceReport;
import io.quorum.shared.metrics.Metrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/** Exports {@code quorum_inference_device_info{requested, device} 1} for the sessions this service opened. */
@ApplicationScoped
public class DeviceInfoGauge {

    @Inject
    MeterRegistry registry;

    private MultiGauge gauge;

    /** Re-reads the device of the latest session. */
    public synchronized void refresh() {
        DeviceReport.Choice c = DeviceReport.last();
        if (c == null) {
            return;
        }
        if (gauge == null) {
            gauge = MultiGauge.builder(Metrics.INFERENCE_DEVICE_INFO)
                    .description("Device ONNX Runtime sessions run on (value is always 1)").register(registry);
        }
        gauge.register(List.of(MultiGauge.Row.of(Tags.of("requested", c.requested().name().toLowerCase(java.util.Locale.ROOT),
                "device", c.device()), 1)), true);
    }
}
