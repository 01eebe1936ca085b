package io.quorum.shared.service;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** HTTP API protection of a service ({@code quorum.security.*}). */
@ConfigMapping(prefix = "quorum.security")
public interface SecurityConfig {

    /**
     * Bearer token every state-changing request (POST, PUT, PATCH, DELETE) must carry as
     * {@code Authorization: Bearer <token>}; unset or empty turns the check off (GET requests are always open).
     * Environment: {@code QUORUM_SECURITY_API_TOKEN}.
     */
    Optional<String> apiToken();
}
