package io.quorum.trainer.service;

import io.quorum.shared.events.TrainingRequested;
import io.quorum.training.api.TrainingJob;
import io.quorum.trainer.run.JobStatus;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /jobs}: start, list, follow and cancel training jobs over HTTP. */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {

    /** Body of {@code POST /jobs}. */
    public record JobRequest(String jobId, String job, Map<String, String> params, Long seed) {
    }

    @Inject
    TrainerService trainer;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(JobRequest body) {
        if (body == null || body.job() == null || body.job().isBlank()) {
            return Response.status(400).entity(Map.of("error", "body must name a job: {\"job\": \"pair-scorer\", \"params\": {...}}"))
                    .build();
        }
        String id = body.jobId() == null || body.jobId().isBlank() ? body.job() + "-" + UUID.randomUUID().toString().substring(0, 8)
                : body.jobId();
        JobStatus s = trainer.runner().submit(new TrainingRequested(TrainingRequested.SCHEMA_VERSION, id, body.job(),
                body.params(), body.seed() == null ? 0 : body.seed(), "http", System.currentTimeMillis()));
        return Response.status(s.state().terminal() ? 400 : 202).entity(s).build();
    }

    @GET
    public List<JobStatus> list() {
        return trainer.runner().list();
    }

    @GET
    @Path("/kinds")
    public Map<String, Object> kinds() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (TrainingJob j : trainer.catalog().all().values()) {
            out.put(j.name(), Map.of("description", j.description(), "parameters", j.parameters()));
        }
        return out;
    }

    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") String id) {
        return trainer.runner().status(id).map(s -> Response.ok(s).build())
                .orElse(Response.status(404).entity(Map.of("error", "no job " + id)).build());
    }

    @DELETE
    @Path("/{id}")
    public Response cancel(@PathParam("id") String id) {
        boolean cancelled = trainer.runner().cancel(id);
        return cancelled ? Response.accepted(Map.of("cancelling", id)).build()
                : Response.status(409).entity(Map.of("error", "job " + id + " is not queued or running")).build();
    }
}
