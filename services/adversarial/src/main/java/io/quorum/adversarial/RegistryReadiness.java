package io.quorum.adversarial;

import io.quorum.shared.service.ModelServing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the model registry has been read to its end: requests name their target models, which are loaded on
 * demand, so there is no model to wait for at start; without the registry, every request would wait.
 */
@Readiness
@ApplicationScoped
public class RegistryReadiness implements HealthCheck {

    @Inject
    ModelServing serving;

    @Override
    public HealthCheckResponse call() {
        boolean up = serving.registryCaughtUp();
        return HealthCheckResponse.named("model-registry").status(up)
                .withData("registry", up ? "caught up" : "reading quorum.models").build();
    }
}
