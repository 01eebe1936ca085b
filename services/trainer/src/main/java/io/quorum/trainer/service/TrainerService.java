package io.quorum.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.service.ModelsConfig;
import io.quorum.shared.topics.Topics;
import io.quorum.trainer.jobs.JobCatalog;
import io.quorum.trainer.jobs.TrainingJob;
import io.quorum.trainer.run.JobRunner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Owns the job runner: its catalog, model store, registry and progress topic. */
@ApplicationScoped
public class TrainerService {

    private static final Logger LOG = Logger.getLogger(TrainerService.class);

    @Inject
    TrainerConfig config;
    @Inject
    ModelsConfig models;
    @Inject
    MeterRegistry meters;
    @Inject
    Jobs jobs;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private KafkaOutput output;
    private ModelRegistry registry;
    private JobRunner runner;

    void onStart(@Observes StartupEvent ev) {
        output = new KafkaOutput(Map.of("bootstrap.servers", bootstrapServers), "trainer");
        registry = new ModelRegistry(bootstrapServers);
        Path data = config.dataDir().filter(s -> !s.isBlank()).map(Path::of).orElse(DataDir.root());
        List<TrainingJob> kinds = jobs.all();
        runner = new JobRunner(new JobCatalog(kinds), new FileSystemModelStore(Path.of(models.storeDir())), registry,
                this::emit, new JobRunner.Settings(Path.of(config.workDir()), data, config.codeVersion(),
                config.queueCapacity(), config.parityTolerance()), meters);
        LOG.infof("trainer ready: jobs %s, data %s, store %s", kinds.stream().map(TrainingJob::name).toList(), data,
                models.storeDir());
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (runner != null) {
            runner.close();
        }
        if (output != null) {
            output.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private void emit(TrainingProgress p) {
        output.send(OutRecord.of(Topics.TRAINING_PROGRESS, p.jobId(), Json.toBytes(p)));
    }

    public JobRunner runner() {
        return runner;
    }

    KafkaOutput output() {
        return output;
    }
}
