package io.quorum.cli;

import io.quorum.shared.events.AliasMoved;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.RegistryState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Moves champion back to the previous champion (or to a given version). */
@Command(name = "rollback", description = "Move champion back to the champion before it (or to a given version).")
final class RollbackCommand implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Parameters(index = "0", description = "model name")
    String name;

    @Parameters(index = "1", arity = "0..1", description = "version to roll back to (default: the previous champion)")
    Integer version;

    @Override
    public Integer call() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            RegistryState.ModelHistory h = registry.snapshot(Duration.ofSeconds(30)).model(name)
                    .orElseThrow(() -> new IllegalArgumentException("no model named '" + name + "'"));
            int target = version != null ? version : previousChampion(h);
            AliasMoved m = registry.moveAlias(name, RegistryState.ALIAS_CHAMPION, target, "rollback", Duration.ofSeconds(30));
            System.out.printf("%s@champion: v%s -> v%d (rollback)%n", name,
                    m.previousVersion() == null ? "-" : m.previousVersion(), target);
        }
        return 0;
    }

    static int previousChampion(RegistryState.ModelHistory h) {
        Integer current = h.aliases().get(RegistryState.ALIAS_CHAMPION);
        List<Integer> history = h.championHistory();
        for (int i = history.size() - 1; i >= 0; i--) {
            if (!history.get(i).equals(current) && history.get(i) < (current == null ? Integer.MAX_VALUE : current)) {
                return history.get(i);
            }
        }
        throw new IllegalArgumentException(name(h) + " has no earlier champion to roll back to; give a version");
    }

    private static String name(RegistryState.ModelHistory h) {
        return h.name();
    }
}
