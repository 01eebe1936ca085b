package io.quorum.adversarial;

import io.quorum.shared.files.TempDir;
import io.quorum.vision.picture.DigitGrid;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.file.Files;

/**
 * {@code GET /attacks/{requestId}/grid.png}: the seed's picture of a recent request answered by this instance, clean
 * and adversarial digits side by side with the target's prediction and confidence under each (green when right, red
 * when fooled; fooling images beside a grey "noise" cell). {@code perRow} pairs per row (1..16, default 8), each image
 * enlarged {@code scale} times (1..8, default 3). 404 when this instance does not remember the request.
 */
@Path("/attacks")
public class AttacksResource {

    @Inject
    AdversarialService service;

    @GET
    @Path("/{requestId}/grid.png")
    @Produces({"image/png", MediaType.TEXT_PLAIN})
    public Response grid(@PathParam("requestId") String requestId, @QueryParam("perRow") @DefaultValue("8") int perRow,
                         @QueryParam("scale") @DefaultValue("3") int scale) throws IOException {
        if (perRow < 1 || perRow > 16 || scale < 1 || scale > 8) {
            return text(Response.Status.BAD_REQUEST, "perRow must be in 1..16 and scale in 1..8");
        }
        var picture = service.recent().get(requestId);
        if (picture.isEmpty()) {
            return text(Response.Status.NOT_FOUND, "this instance answered no recent request " + requestId + " (it keeps the"
                    + " last quorum.adversarial.recent-requests)");
        }
        RecentAttacks.Picture p = picture.get();
        try (TempDir tmp = TempDir.create("grid-")) {
            java.nio.file.Path file = DigitGrid.write(tmp.resolve("grid.png"), p.title(), p.entries(), p.height(), p.width(),
                    p.classes(), perRow, scale);
            return Response.ok(Files.readAllBytes(file), "image/png").build();
        }
    }

    private static Response text(Response.Status status, String message) {
        return Response.status(status).type(MediaType.TEXT_PLAIN).entity(message).build();
    }
}
