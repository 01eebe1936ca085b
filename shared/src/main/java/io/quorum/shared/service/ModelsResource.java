package io.quorum.shared.service;

import io.quorum.shared.inference.DeviceReport;
import io.quorum.shared.model.ModelManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /models}: what each model of this service is serving, what it follows, and every load attempt. */
@Path("/models")
public class ModelsResource {

    /** The response body. */
    public record Models(String device, String deviceReason, List<ModelManager.Status> models) {
    }

    @Inject
    ModelServing serving;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Models models() {
        DeviceReport.Choice d = DeviceReport.last();
        return new Models(d == null ? null : d.device(), d == null ? null : d.reason(), serving.statuses());
    }
}
