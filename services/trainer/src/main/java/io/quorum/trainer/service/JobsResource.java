package io.quorum.trainer.service;

import io.quorum.shared.events.TrainingRequested;
import io.quorum.trainer.run.JobRunner;
import io.quorum.trainer.run.JobStatus;
import io.quorum.trainer.run.RequestLimits;
import io.quorum.training.api.TrainingJob;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /jobs}: start, list, follow and cancel training jobs over HTTP. {@code POST} answers 202 (queued), 200 (the
 * same request again: idempotent, nothing new queued), 400 (malformed, limits, unknown job with the known ones, data
 * outside the data directory), 409 (the job id is taken by another request), 413 (body over the limit), 429 with
 * {@code Retry-After} (queue full); a refused request is not recorded, so its id can be used again. {@code DELETE}
 * answers 202, 404 (no such job) or 409 (already ended). With {@code quorum.security.api-token} set, both need the
 * bearer token (401 otherwise); GETs stay open.
 */
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
            return error(400, "body must name a job: {\"job\": \"pair-scorer\", \"params\": {...}}", Map.of());
        }
        String id = body.jobId() == null || body.jobId().isBlank() ? body.job() + "-" + UUID.randomUUID().toString().substring(0, 8)
                : body.jobId();
        Map<String, String> params = body.params() == null ? Map.of() : body.params();
        Optional<RequestLimits.Violation> violation = trainer.limits().check(id, body.job(), params, null);
        if (violation.isPresent()) {
            RequestLimits.Violation v = violation.get();
            return error(400, v.message(), v.field().equals("job") ? Map.of("knownJobs", knownJobs()) : Map.of());
        }
        TrainingRequested request = new TrainingRequested(TrainingRequested.SCHEMA_VERSION, id, body.job(), params,
                body.seed() == null ? 0 : body.seed(), "http", System.currentTimeMillis());
        JobRunner.Submission s = trainer.runner().trySubmit(request);
        return switch (s.outcome()) {
            case QUEUED -> Response.status(202).entity(s.status()).build();
            case DUPLICATE -> sameRequest(s.status(), request) ? Response.ok(s.status()).build()
                    : error(409, "job id " + id + " is taken by another request (" + (s.status() == null ? "being submitted"
                    : s.status().job() + " " + s.status().params()) + "); choose another jobId", Map.of());
            case UNKNOWN_JOB -> error(400, s.reason(), Map.of("knownJobs", knownJobs()));
            case REFUSED -> error(400, s.reason(), Map.of());
            case QUEUE_FULL -> Response.status(429)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, trainer.retryAfter().toSeconds())))
                    .entity(body(s.reason(), Map.of())).build();
        };
    }

    /** The same job with the same parameters: a retried request, answered with the existing job. */
    private static boolean sameRequest(JobStatus existing, TrainingRequested request) {
        return existing != null && existing.job().equals(request.job()) && existing.params().equals(request.params());
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
        return switch (trainer.runner().cancel(id)) {
            case CANCELLED, CANCELLING -> Response.accepted(Map.of("cancelling", id)).build();
            case FINISHED -> error(409, "job " + id + " is not queued or running", Map.of());
            case UNKNOWN -> error(404, "no job " + id, Map.of());
        };
    }

    private List<String> knownJobs() {
        return trainer.runner().jobKinds();
    }

    private static Response error(int status, String message, Map<String, Object> extra) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body(message, extra)).build();
    }

    private static Map<String, Object> body(String message, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.putAll(extra);
        return m;
    }
}
