package io.quorum.imagescoring;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /explain}: the photo's raw bytes (JPEG, PNG) in, the occlusion-sensitivity heat-map overlay (PNG of the
 * aligned crop) out, with the explanation's metadata as {@code X-Quorum-*} response headers. Query: {@code aligned}
 * (the photo is already an aligned crop; default: the service's setting), {@code patch}, {@code stride} (crop pixels;
 * default: the configured ones), {@code id} (image id echoed back). A refused photo answers 422 with its reason code.
 */
@Path("/explain")
public class ExplainResource {

    /** Largest {@code patch}/{@code stride} side accepted over HTTP (the crop is 224 pixels). */
    static final int MAX_SIDE = 224;
    /** Smallest stride accepted over HTTP: a 224 crop at stride 4 is already ~2,500 inference rows. */
    static final int MIN_STRIDE = 4;

    @Inject
    ImageScoringService service;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces({"image/png", MediaType.TEXT_PLAIN})
    public Response explain(byte[] photo, @QueryParam("aligned") Boolean aligned, @QueryParam("patch") Integer patch,
                            @QueryParam("stride") Integer stride, @QueryParam("id") String id) throws Exception {
        if ((patch != null && (patch < 1 || patch > MAX_SIDE)) || (stride != null && (stride < MIN_STRIDE || stride > MAX_SIDE))) {
            return Response.status(400).type(MediaType.TEXT_PLAIN)
                    .entity("patch must be 1.." + MAX_SIDE + " and stride " + MIN_STRIDE + ".." + MAX_SIDE + "\n").build();
        }
        String imageId = id != null && !id.isBlank() ? id : UUID.randomUUID().toString();
        Explainer.Explanation e;
        try {
            e = service.explain(photo, aligned, patch, stride, imageId);
        } catch (ImageScorer.Rejected r) {
            return Response.status(422).type(MediaType.TEXT_PLAIN).header("X-Quorum-Reason", r.reason.name())
                    .entity(r.reason + ": " + r.getMessage() + "\n").build();
        }
        Response.ResponseBuilder b = Response.ok(e.png(), "image/png");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            if (h.getKey().startsWith("quorum_")) {
                b.header("X-Quorum-" + h.getKey().substring("quorum_".length()).replace('_', '-'), h.getValue());
            }
        }
        return b.header("X-Quorum-Image-Id", imageId).build();
    }
}
