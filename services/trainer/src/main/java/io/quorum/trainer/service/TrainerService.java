package io.quorum.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.service.InferenceConfig;
import io.quorum.shared.service.ModelsConfig;
import io.quorum.shared.topics.Topics;
import io.quorum.training.data.LabeledPairStore;
import io.quorum.training.data.LocalEmbedders;
import io.quorum.training.data.TextPairSource;
import io.quorum.training.api.JobCatalog;
import io.quorum.training.jobs.DigitClassifierJob;
import io.quorum.training.jobs.SelfaiImageScorerJob;
import io.quorum.training.jobs.DigitEnsembleJob;
import io.quorum.training.jobs.MiniLmSiameseJob;
import io.quorum.training.jobs.PairAlignerJob;
import io.quorum.training.jobs.PairScorerJob;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.jobs.WordVectorsJob;
import io.quorum.trainer.run.JobRunner;
import io.quorum.trainer.run.ProgressDelivery;
import io.quorum.trainer.run.RequestLimits;
import io.quorum.trainer.run.RetrainTrigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/** Owns the job runner: its catalog, model store, registry, progress topic, labelled data and retrain trigger. */
@ApplicationScoped
public class TrainerService {

    private static final Logger LOG = Logger.getLogger(TrainerService.class);

    @Inject
    TrainerConfig config;
    @Inject
    ModelsConfig models;
    @Inject
    InferenceConfig inference;
    @Inject
    MeterRegistry meters;

    @Inject
    KafkaClients clients;

    private KafkaOutput output;
    private ProgressDelivery progress;
    private RequestLimits limits;
    private ModelRegistry registry;
    private JobRunner runner;
    private JobCatalog catalog;
    private LabeledPairStore labeled;
    private RetrainTrigger retrain;

    void onStart(@Observes StartupEvent ev) {
        output = clients.output("trainer");
        limits = config.limits().requestLimits();
        // progress sends are awaited and retried on their own thread; the job worker only queues them
        progress = new ProgressDelivery(p -> output.send(OutRecord.of(Topics.TRAINING_PROGRESS, p.jobId(), Json.toBytes(p))),
                config.progress().settings(), meters);
        registry = new ModelRegistry(clients);
        Path data = config.dataDir().filter(s -> !s.isBlank()).map(Path::of).orElse(DataDir.root());
        FileSystemModelStore store = new FileSystemModelStore(Path.of(models.storeDir()));
        Path cache = Path.of(models.cacheDir()).resolve("trainer");
        try {
            labeled = new LabeledPairStore(Path.of(config.retrain().store()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RegistryEmbedders registryEmbedders = new RegistryEmbedders(registry, List.of(store), cache, inference.options(),
                models.fetchRetryPolicy());
        // requests come from Kafka and HTTP: their data files must lie in the data directory
        TextPairSource texts = new TextPairSource(registryEmbedders, cache.resolve("vectors"), labeled.file(), true);
        LocalEmbedders local = new LocalEmbedders(data, cache, inference.options(), 42, true);
        List<TrainingJob> kinds = List.of(new PairScorerJob(List.of(texts)), new PairAlignerJob(texts, registryEmbedders),
                new WordVectorsJob(texts, local), new MiniLmSiameseJob(texts, registryEmbedders), new DigitClassifierJob(),
                new SelfaiImageScorerJob(),
                // the baseline member comes from the registry; trained members are kept between jobs in the cache
                new DigitEnsembleJob(new RegistryModels(registry, List.of(store), cache.resolve("published"),
                        models.fetchRetryPolicy()), cache.resolve(DigitEnsembleJob.NAME)));
        catalog = new JobCatalog(kinds);
        runner = new JobRunner(catalog, store, registry, progress, new JobRunner.Settings(Path.of(config.workDir()), data,
                config.codeVersion(), config.queueCapacity(), config.parityTolerance()), meters);
        for (String job : config.retrain().job()) {
            if (catalog.find(job).isEmpty()) {
                throw new IllegalArgumentException("quorum.trainer.retrain.job names an unknown job '" + job + "': "
                        + catalog.all().keySet());
            }
        }
        retrain = new RetrainTrigger(config.retrain().afterLabels(), config.retrain().every(), config.retrain().job(),
                config.retrain().params(), job -> catalog.find(job).orElseThrow().parameters().keySet(), runner::submit);
        LOG.infof("trainer ready: jobs %s, data %s, store %s, labelled pairs in %s", catalog.all().keySet(), data,
                models.storeDir(), labeled.file());
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (retrain != null) {
            retrain.close();
        }
        if (runner != null) {
            runner.close(); // ends the running and queued jobs CANCELLED
        }
        if (progress != null) {
            progress.close(); // sends what is queued (terminal events above all), bounded
        }
        if (output != null) {
            output.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    public JobRunner runner() {
        return runner;
    }

    public JobCatalog catalog() {
        return catalog;
    }

    LabeledPairStore labeled() {
        return labeled;
    }

    RetrainTrigger retrain() {
        return retrain;
    }

    KafkaOutput output() {
        return output;
    }

    /** Shape limits of training requests (HTTP and Kafka). */
    RequestLimits limits() {
        return limits;
    }

    /** {@code Retry-After} of a request refused because the queue is full. */
    java.time.Duration retryAfter() {
        return config.limits().retryAfter();
    }
}
