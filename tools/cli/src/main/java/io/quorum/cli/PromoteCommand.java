package io.quorum.cli;

import io.quorum.shared.events.AliasMoved;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.RegistryState;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Points an alias (default champion) at a version by hand. */
@Command(name = "promote", description = "Point an alias (default: champion) at a version; serving services follow.")
final class PromoteCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Parameters(index = "0", description = "model name")
    String name;

    @Parameters(index = "1", arity = "0..1", description = "version (default: the latest)")
    Integer version;

    @Option(names = "--alias", defaultValue = RegistryState.ALIAS_CHAMPION)
    String alias;

    @Override
    public Integer call() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            int v = version != null ? version : registry.snapshot(Duration.ofSeconds(30)).model(name)
                    .flatMap(RegistryState.ModelHistory::latest)
                    .orElseThrow(() -> new IllegalArgumentException("no model named '" + name + "'")).version();
            AliasMoved m = registry.moveAlias(name, alias, v, "manual promotion", Duration.ofSeconds(30));
            System.out.printf("%s@%s: v%s -> v%d%n", name, alias, m.previousVersion() == null ? "-" : m.previousVersion(), v);
        }
        return 0;
    }
}
