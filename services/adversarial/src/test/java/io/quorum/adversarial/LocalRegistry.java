package io.quorum.adversarial;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.FetchRetry;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.RegistryState;
import io.quorum.testing.TestDigitModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A model registry without a broker, for tests of the plain classes: versions are stored in a real file store and
 * folded into a {@link RegistryState} that every registered manager is told about, as {@code ModelServing} does.
 */
final class LocalRegistry implements TargetModels.Registration {

    final FileSystemModelStore store;
    private final Path cache;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<ModelManager<AttackModel>> registered = new CopyOnWriteArrayList<>();
    private volatile RegistryState state = RegistryState.empty();
    volatile boolean caughtUp = true;

    LocalRegistry(Path dir) {
        this.store = new FileSystemModelStore(dir.resolve("store"));
        this.cache = dir.resolve("cache");
    }

    /** Stores {@code m} as the next version of {@code name} (alias {@code alias} when not null) and announces it. */
    synchronized ModelPublished publish(String name, TestDigitModels.Mlp m, String alias, boolean withGradient) {
        ModelPublished p = TestDigitModels.store(store, name, m, Digits.SIDE, Digits.SIDE, alias, withGradient);
        announce(p);
        return p;
    }

    synchronized void announce(ModelPublished p) {
        state = state.apply(p);
        registered.forEach(r -> r.onRegistry(state));
    }

    TargetModels models(int capacity, Duration modelWait, Duration unknownWait) {
        return new TargetModels(ref -> new ModelManager<>(ref.name(), ref.selector(), List.of(store), cache,
                (meta, dir) -> AttackModel.load(meta, dir, InferenceOptions.cpu(1)), meters, FetchRetry.none()), this,
                capacity, modelWait, unknownWait, m -> { });
    }

    @Override
    public void register(ModelManager<AttackModel> manager) {
        registered.add(manager);
        manager.onRegistry(state);
    }

    @Override
    public void unregister(ModelManager<AttackModel> manager) {
        registered.remove(manager);
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }
}
