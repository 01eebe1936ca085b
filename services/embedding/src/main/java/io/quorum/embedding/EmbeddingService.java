package io.quorum.embedding;

import ai.onnxruntime.OrtException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.ModelSelector;
import io.quorum.shared.service.ServiceWiring;
import io.quorum.shared.topics.Topics;
import io.quorum.text.Embedder;
import io.quorum.text.Embedders;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/** Wires the embedders (one model manager each), the output producer and the metrics. */
@ApplicationScoped
public class EmbeddingService {

    private static final Logger LOG = Logger.getLogger(EmbeddingService.class);
    static final String SERVICE = "embedding";

    @Inject
    EmbeddingConfig config;
    @Inject
    ServiceWiring wiring;

    private final Map<String, ModelManager<LoadedEmbedder>> managers = new LinkedHashMap<>();
    private KafkaOutput output;
    private BatchMetrics questionMetrics;
    private BatchMetrics pairMetrics;
    private TextEmbedding logic;
    private final Map<String, OovMeter> oovMeters = new java.util.concurrent.ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent ev) {
        Set<String> names = new LinkedHashSet<>();
        names.add(config.questionsEmbedder());
        names.add(config.pairsEmbedder());
        config.extraEmbedders().orElse(List.of()).stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(names::add);
        for (String name : names) {
            ModelManager<LoadedEmbedder> m = wiring.manager(SERVICE, name, ModelSelector.parse(config.follow()), this::load);
            managers.put(name, m);
            wiring.serving().register(m, name.equals(config.questionsEmbedder()) || name.equals(config.pairsEmbedder()));
        }
        output = wiring.output(SERVICE);
        questionMetrics = wiring.batchMetrics(Topics.QUESTIONS, config.questionsEmbedder());
        pairMetrics = wiring.batchMetrics(Topics.PAIRS, config.pairsEmbedder());
        logic = new TextEmbedding(config.maxTextChars(), config.inferenceBatch(), config.questionsOutputTopic(),
                config.pairsOutputTopic(), config.pairFeatures(), io.quorum.shared.events.ContentMode.parse(config.contentMode()));
        LOG.infof("embedding: questions with %s, pairs with %s, also serving %s; vectors written as %s", config.questionsEmbedder(),
                config.pairsEmbedder(), names, config.contentMode());
    }

    private LoadedEmbedder load(io.quorum.shared.events.ModelPublished meta, java.nio.file.Path dir) throws ModelRejectedException {
        Embedder e;
        try {
            e = Embedders.load(meta, dir, wiring.inferenceOptions());
        } catch (IOException | OrtException | RuntimeException ex) {
            throw new ModelRejectedException("load", "cannot load embedder: " + ex.getMessage(), ex);
        }
        try {
            float[][] v = e.embed(List.of("Is this a smoke test?", "x"));
            if (v.length != 2 || v[0].length != e.dimension()) {
                throw new ModelRejectedException("smoke", "embedder returned " + v.length + " vectors of length "
                        + (v.length == 0 ? 0 : v[0].length) + ", expected 2 of " + e.dimension());
            }
            for (float f : v[0]) {
                if (!Float.isFinite(f)) {
                    throw new ModelRejectedException("smoke", "embedder returned a non-finite value");
                }
            }
        } catch (ModelRejectedException | RuntimeException ex) {
            e.close();
            if (ex instanceof ModelRejectedException mre) {
                throw mre;
            }
            throw new ModelRejectedException("smoke", "smoke embedding failed: " + ex, ex);
        }
        wiring.deviceLoaded();
        oovMeters.computeIfAbsent(meta.name(), name -> new OovMeter(name, wiring.meters())).serve(e.oov());
        return new LoadedEmbedder(meta, e);
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (output != null) {
            output.close();
        }
    }

    CompletableFuture<Void> questions(List<InRecord> records) {
        return process(records, config.questionsEmbedder(), questionMetrics, true);
    }

    CompletableFuture<Void> pairs(List<InRecord> records) {
        return process(records, config.pairsEmbedder(), pairMetrics, false);
    }

    private CompletableFuture<Void> process(List<InRecord> records, String defaultEmbedder, BatchMetrics metrics,
                                            boolean questions) {
        Map<String, ModelManager.Lease<LoadedEmbedder>> leases = new LinkedHashMap<>();
        try {
            leases.put(defaultEmbedder, managers.get(defaultEmbedder).awaitServing(Duration.ofSeconds(config.modelWaitSeconds())));
            BatchResult result;
            long start = System.nanoTime();
            java.util.function.Function<String, LoadedEmbedder> lookup = name -> {
                ModelManager.Lease<LoadedEmbedder> l = leases.get(name);
                if (l == null && managers.containsKey(name)) {
                    l = managers.get(name).acquire();
                    if (l != null) {
                        leases.put(name, l);
                    }
                }
                return l == null ? null : l.model();
            };
            result = questions ? logic.questions(records, defaultEmbedder, lookup) : logic.pairs(records, defaultEmbedder, lookup);
            LoadedEmbedder main = leases.get(defaultEmbedder).model();
            metrics.inference(main.version(), records.size(), System.nanoTime() - start);
            metrics.result(result, records.isEmpty() ? 0 : records.get(0).timestamp());
            return output.send(result);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an embedder", e);
        } finally {
            leases.values().forEach(ModelManager.Lease::close);
        }
    }
}
