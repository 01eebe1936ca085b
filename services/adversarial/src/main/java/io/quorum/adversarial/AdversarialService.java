package io.quorum.adversarial;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.service.ModelServing;
import io.quorum.shared.service.ModelsConfig;
import io.quorum.shared.service.ServiceWiring;
import io.quorum.shared.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Wires the attack processor to the models requests name, its output producer, the model store and its metrics. */
@ApplicationScoped
public class AdversarialService {

    private static final Logger LOG = Logger.getLogger(AdversarialService.class);
    static final String SERVICE = "adversarial";

    @Inject
    AdversarialConfig config;
    @Inject
    ModelsConfig modelsConfig;
    @Inject
    ServiceWiring wiring;

    @ConfigProperty(name = "mp.messaging.incoming.attacks-in.topic", defaultValue = Topics.ATTACKS_REQUESTED)
    String inputTopic;

    private TargetModels models;
    private KafkaOutput output;
    private BatchMetrics batchMetrics;
    private AttackMetrics attackMetrics;
    private AttackProcessor processor;
    private RecentAttacks recent;

    void onStart(@Observes StartupEvent ev) {
        ModelServing serving = wiring.serving();
        serving.follow();
        models = new TargetModels(ref -> wiring.manager(SERVICE, ref.name(), ref.selector(), (meta, dir) -> {
            AttackModel m = AttackModel.load(meta, dir, wiring.inferenceOptions());
            wiring.deviceLoaded();
            return m;
        }), new TargetModels.Registration() {
                    @Override
                    public void register(ModelManager<AttackModel> manager) {
                        serving.register(manager, false);
                    }

                    @Override
                    public void unregister(ModelManager<AttackModel> manager) {
                        serving.unregister(manager);
                    }

                    @Override
                    public boolean caughtUp() {
                        return serving.registryCaughtUp();
                    }
                }, config.modelCacheSize(), config.modelWait(), config.unknownModelWait(), this::forgetGauge);
        output = wiring.output(SERVICE);
        batchMetrics = wiring.batchMetrics(inputTopic, SERVICE);
        attackMetrics = new AttackMetrics(wiring.meters(), config.successWindow());
        Path dataDir = config.dataDir().filter(s -> !s.isBlank()).map(Path::of).orElseGet(DataDir::root);
        AttackProcessor.Settings settings = new AttackProcessor.Settings(config.outputTopic(), config.redTeamTopic(),
                config.attackBatch(), config.maxBatchDuration(), config.maxImages(), config.datasetOutputCap(),
                config.datasetPrefix());
        AttackCatalog attacks = AttackCatalog.standard();
        recent = new RecentAttacks(config.recentRequests(), config.gridImages());
        processor = new AttackProcessor(settings, new RequestChecks(attacks, dataDir, config.maxImages(),
                config.maxQueriesPerImage()), new AdversarialSets(new FileSystemModelStore(Path.of(modelsConfig.storeDir())),
                        config.datasetEncoding()),
                attackMetrics, recent);
        LOG.infof("adversarial: %s -> %s (red team: %s), attacks %s, %d images per attack call, data sets from %s",
                inputTopic, config.outputTopic(), config.redTeamTopic(), attacks.names(), config.attackBatch(),
                DataDir.describe(dataDir));
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (models != null) {
            models.close();
        }
        if (output != null) {
            output.close();
        }
    }

    /**
     * Answers a poll of requests and sends the results; the future completes when every output and dead letter is
     * acknowledged (then the poll's offsets may be committed).
     */
    CompletableFuture<Void> process(List<InRecord> records) {
        AttackProcessor.Processed p = processor.process(records, models::acquire, output::send);
        batchMetrics.result(p.answered(), p.deadLetters(), records.isEmpty() ? 0 : records.get(0).timestamp());
        return p.sent();
    }

    /**
     * An unloaded manager's serving-version gauge is removed when no other loaded reference has its name, so a
     * later manager of that name registers a live one (two references to one name share the first one's gauge).
     */
    private void forgetGauge(ModelManager<AttackModel> evicted) {
        if (models.loaded().stream().noneMatch(r -> r.name().equals(evicted.name()))) {
            MeterRegistry meters = wiring.meters();
            for (Meter m : meters.find(Metrics.MODEL_SERVING_VERSION).tag(Metrics.TAG_MODEL, evicted.name()).meters()) {
                meters.remove(m);
            }
        }
    }

    TargetModels models() {
        return models;
    }

    RecentAttacks recent() {
        return recent;
    }

    AttackMetrics attackMetrics() {
        return attackMetrics;
    }
}
