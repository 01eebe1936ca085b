package io.quorum.shared.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where model versions are stored and cached ({@code quorum.models.*}). */
@ConfigMapping(prefix = "quorum.models")
public interface ModelsConfig {

    /** Root of the file-system model store shared by the trainer and the serving services. */
    @WithDefault("runtime/models")
    String storeDir();

    /** Where this service keeps verified local copies of the versions it loads. */
    @WithDefault("runtime/cache")
    String cacheDir();
}
