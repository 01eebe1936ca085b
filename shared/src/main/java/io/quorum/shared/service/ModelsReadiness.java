package io.quorum.shared.service;

import io.quorum.shared.model.ModelManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when every model of the service has a version serving. */
@Readiness
@ApplicationScoped
public class ModelsReadiness implements HealthCheck {

    @Inject
    ModelServing serving;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("models");
        if (serving.managers().isEmpty()) {
            return b.up().withData("served models", "none").build(); // e.g. the trainer: it publishes, it does not serve
        }
        boolean up = serving.registryCaughtUp();
        b.withData("registry", up ? "caught up" : "reading");
        for (ModelManager<?> m : serving.managers()) {
            int v = m.servingVersion();
            boolean required = serving.required(m.name());
            b.withData(m.name(), (v == 0 ? "no version serving (" + m.selector() + ")" : "v" + v) + (required ? "" : " (optional)"));
            up &= v > 0 || !required;
        }
        return b.status(up).build();
    }
}
