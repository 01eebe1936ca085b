package io.quorum.pairscoring;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the duplicate-search index holds every question answered before this start. */
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
        return HealthCheckResponse.named("duplicate-search").status(d.replayed())
                .withData("index", d.replayed() ? "rebuilt" : "replaying quorum.questions.embedded")
                .withData("answered", d.answered()).build();
    }
}
