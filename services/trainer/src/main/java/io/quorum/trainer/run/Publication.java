package io.quorum.trainer.run;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryClient;
import io.quorum.shared.model.RegistryState;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The steps after training: the export must be exact and the metrics finite ({@link #verify}), the gate judges the
 * model against the champion ({@link #judge}), and the model is published with its companions all or nothing
 * ({@link #publishTogether}): every artifact set is stored first (the store allocates the versions), then every
 * {@link ModelPublished} is announced in one registry transaction.
 */
final class Publication {

    /** The gate's verdict and the registry it was taken on (the champion and the companions' champions). */
    record Verdict(Gate.Result gate, RegistryState state, ModelPublished champion) {
    }

    private final ModelStore store;
    private final RegistryClient registry;
    private final double parityTolerance;
    private final String codeVersion;

    Publication(ModelStore store, RegistryClient registry, double parityTolerance, String codeVersion) {
        this.store = store;
        this.registry = registry;
        this.parityTolerance = parityTolerance;
        this.codeVersion = codeVersion;
    }

    /** Fails the job unless every export (the model's and its companions') is exact and every metric finite. */
    void verify(TrainedModel trained) throws JobFailedException {
        for (TrainedModel m : withCompanions(trained)) {
            if (!(m.parity() <= parityTolerance)) {
                throw new JobFailedException(String.format("the ONNX export of %s is not exact: max |DL4J - ORT| = %.3g "
                        + "> %.1g; nothing published", m.modelName(), m.parity(), parityTolerance));
            }
        }
        for (var e : trained.metrics().entrySet()) {
            if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                throw new JobFailedException("validation metric " + e.getKey() + " is " + e.getValue() + "; nothing published");
            }
        }
    }

    /**
     * The gate: the job's own criteria against the champion's metrics, the serving contract (a model the services
     * would be sent inputs it cannot score is never promoted), and a note when the champion was validated on other data.
     */
    Verdict judge(TrainingJob job, JobParams params, TrainedModel trained)
            throws JobFailedException, TimeoutException, InterruptedException {
        RegistryState state = registry.snapshot(Duration.ofSeconds(30));
        Optional<ModelPublished> champion = state.resolve(trained.modelName(), RegistryState.ALIAS_CHAMPION);
        Gate.Result verdict = Gate.both(job.gate(params).evaluate(trained.metrics(),
                champion.map(ModelPublished::metrics).orElse(null)), Gate.servingContract(trained.modelName(),
                trained.properties(), champion.map(ModelPublished::properties).orElse(null)));
        if (champion.isPresent() && !Objects.equals(champion.get().lineage() == null ? null
                : champion.get().lineage().dataHash(), trained.dataHash())) {
            verdict = Gate.both(verdict, new Gate.Result(true, List.of("note: the champion was validated on other data ("
                    + (champion.get().lineage() == null ? "unknown" : champion.get().lineage().dataRef())
                    + "); its metrics are compared as they are")));
        }
        return new Verdict(verdict, state, champion.orElse(null));
    }

    /**
     * Publishes {@code trained} and its companions all or nothing; returns them as announced, companions first. When
     * the announcement fails, none of them is visible; the stored versions stay in the store unannounced, where no
     * service looks (services follow the registry), and the job fails.
     */
    List<ModelPublished> publishTogether(TrainingRequested req, TrainingJob job, TrainedModel trained, Verdict verdict,
                                         Path work, long trainingMillis) throws IOException, JobFailedException {
        ModelPublisher publisher = new ModelPublisher(store, registry);
        List<ModelPublished> stored = new ArrayList<>();
        for (TrainedModel m : withCompanions(trained)) {
            ModelPublished parent = m == trained ? verdict.champion()
                    : verdict.state().resolve(m.modelName(), RegistryState.ALIAS_CHAMPION).orElse(null);
            stored.add(publisher.store(request(req, job, m, parent, verdict.gate(), work, trainingMillis)));
        }
        try {
            publisher.announce(stored);
        } catch (RuntimeException e) {
            String names = stored.stream().map(p -> p.name() + " v" + p.version()).collect(Collectors.joining(", "));
            throw new JobFailedException("could not announce " + names + " in the registry; none of them is visible "
                    + "(stored but unannounced versions are never served): " + e.getMessage(), e);
        }
        return stored;
    }

    /** The model and its companions, companions first (the order they are announced in). */
    static List<TrainedModel> withCompanions(TrainedModel trained) {
        List<TrainedModel> all = new ArrayList<>(trained.companions());
        all.add(trained);
        return all;
    }

    /** Writes the artifacts of {@code trained} (ONNX, DL4J zip, gradient graph, extras, model card) for publication. */
    private ModelPublisher.Request request(TrainingRequested req, TrainingJob job, TrainedModel trained,
                                           ModelPublished champion, Gate.Result verdict, Path work, long trainingMillis)
            throws IOException {
        // a directory per model: a job's companions are published from the same work directory
        work = Files.createDirectories(work.resolve("publish-" + trained.modelName().replaceAll("[^A-Za-z0-9._-]", "_")));
        Path onnx = Files.write(work.resolve(ModelPublisher.PRIMARY), trained.onnx());
        List<ModelStore.Artifact> extra = new ArrayList<>();
        if (trained.network() != null) {
            Path zip = work.resolve("model-dl4j.zip");
            ModelSerializer.writeModel(trained.network(), zip.toFile(), true);
            extra.add(new ModelStore.Artifact("model-dl4j.zip", zip));
        }
        if (trained.gradientOnnx() != null) {
            extra.add(new ModelStore.Artifact("gradient.onnx", Files.write(work.resolve("gradient.onnx"), trained.gradientOnnx())));
        }
        for (var e : trained.extraArtifacts().entrySet()) {
            extra.add(new ModelStore.Artifact(e.getKey(), Files.write(work.resolve(e.getKey()), e.getValue())));
        }
        extra.add(new ModelStore.Artifact("model-card.json", Files.writeString(work.resolve("model-card.json"),
                Json.toPrettyString(card(req, job, trained, champion, verdict, trainingMillis)))));
        Lineage lineage = new Lineage(champion == null ? null : champion.version(), job.name() + " " + req.jobId(),
                trained.dataRef(), trained.dataHash(), codeVersion, trainingMillis);
        return new ModelPublisher.Request(trained.modelName(), onnx, extra, trained.metrics(), lineage, trained.properties(),
                verdict.pass() ? RegistryState.ALIAS_CHAMPION : RegistryState.ALIAS_CANDIDATE);
    }

    private Map<String, Object> card(TrainingRequested req, TrainingJob job, TrainedModel trained, ModelPublished champion,
                                     Gate.Result verdict, long trainingMillis) {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", trained.modelName());
        card.put("job", job.name());
        card.put("jobId", req.jobId());
        card.put("requestedBy", req.requestedBy());
        card.put("description", job.description());
        card.put("data", Map.of("ref", String.valueOf(trained.dataRef()), "sha256", String.valueOf(trained.dataHash())));
        card.put("hyperParameters", trained.hyperParameters());
        card.put("metrics", trained.metrics());
        card.put("properties", trained.properties());
        card.put("parentVersion", champion == null ? null : champion.version());
        card.put("codeVersion", codeVersion);
        card.put("trainingMillis", trainingMillis);
        card.put("exportParityMaxAbsDiff", trained.parity());
        card.put("gate", Map.of("promoted", verdict.pass(), "reasons", verdict.reasons()));
        card.put("notes", trained.notes());
        card.put("createdAt", java.time.Instant.now().toString());
        return card;
    }
}
