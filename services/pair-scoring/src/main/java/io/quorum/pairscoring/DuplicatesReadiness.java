package io.quorum.pairscoring;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the duplicate-search index holds every question answered before this start (resumed or rebuilt). */
@Readiness
@ApplicationScoped
public class DuplicatesReadiness implements HealthCheck {

    @Inject
    PairScoringService service;

    @Override
    public HealthCheckResponse call() {
        var d = service.duplicates();
        if (d == null) {
            return HealthCheckResponse.named("duplicate-search").up().withData("enabled", false).build();
        }
        var rebuild = d.lastRebuild();
        String index = !d.replayed() ? "replaying the topic"
                : rebuild == null ? "resumed from its checkpoint" : "rebuilt (" + rebuild.reason() + ")";
        return HealthCheckResponse.named("duplicate-search").status(d.replayed())
                .withData("index", index)
                .withData("indexed", (long) d.indexed())
                .withData("replayMillis", Math.round(d.replaySeconds() * 1000))
                .withData("answered", d.answered()).build();
    }
}
