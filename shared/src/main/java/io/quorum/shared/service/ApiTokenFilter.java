package io.quorum.shared.service;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Every service's REST endpoints: with {@code quorum.security.api-token} set, a request that changes state (POST, PUT,
 * PATCH, DELETE) without {@code Authorization: Bearer <that token>} is answered 401; GET endpoints stay open. Off
 * when no token is configured (the local default). See {@link ApiToken}.
 */
@Provider
public class ApiTokenFilter implements ContainerRequestFilter {

    private static final Logger LOG = Logger.getLogger(ApiTokenFilter.class);

    @Inject
    ApiTokenGuard guard;

    @Override
    public void filter(ContainerRequestContext request) {
        ApiToken t = guard.token();
        if (t.allows(request.getMethod(), request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return;
        }
        LOG.debugf("refused %s %s: missing or wrong API token", request.getMethod(), request.getUriInfo().getPath());
        request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, ApiToken.SCHEME + " realm=\"quorum\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "this request changes state and needs 'Authorization: Bearer <token>' "
                        + "(quorum.security.api-token, QUORUM_SECURITY_API_TOKEN)"))
                .build());
    }
}
