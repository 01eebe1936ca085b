package io.quorum.shared.service;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** The service's {@link ApiToken}, from {@code quorum.security.api-token}; says at startup whether it is on. */
@ApplicationScoped
public class ApiTokenGuard {

    private static final Logger LOG = Logger.getLogger(ApiTokenGuard.class);

    @Inject
    SecurityConfig config;

    private volatile ApiToken token;

    public ApiToken token() {
        ApiToken t = token;
        if (t == null) {
            t = ApiToken.of(config.apiToken().orElse(null));
            token = t;
        }
        return t;
    }

    void onStart(@Observes StartupEvent ev) {
        LOG.infof("API token %s", token().enabled() ? "required for state-changing requests (POST, PUT, PATCH, DELETE)"
                : "not configured: state-changing requests are open (set quorum.security.api-token)");
    }
}
