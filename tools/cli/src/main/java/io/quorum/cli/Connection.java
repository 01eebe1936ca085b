package io.quorum.cli;

import io.quorum.shared.model.FileSystemModelStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that talks to Kafka or the model store shares. */
public final class Connection {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (env QUORUM_BOOTSTRAP, default localhost:9092)")
    String bootstrap;

    @Option(names = "--store", description = "model store directory (env QUORUM_MODEL_STORE, default runtime/models)")
    Path store;

    public String bootstrap() {
        if (bootstrap != null) {
            return bootstrap;
        }
        String env = System.getenv("QUORUM_BOOTSTRAP");
        return env == null || env.isBlank() ? "localhost:9092" : env;
    }

    public FileSystemModelStore store() {
        if (store != null) {
            return new FileSystemModelStore(store);
        }
        String env = System.getenv("QUORUM_MODEL_STORE");
        return new FileSystemModelStore(Path.of(env == null || env.isBlank() ? "runtime/models" : env));
    }
}
