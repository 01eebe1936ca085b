package io.quorum.cli;

import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.data.PairFileReader;
import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.text.Embedder;
import io.quorum.text.Embedders;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.PairAlignment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code eval pairs}: how a registered pair scorer does on a labelled file. In process, it embeds with the exact
 * embedder version the scorer was trained on and scores with ONNX Runtime; with {@code --via-kafka} it sends every
 * pair through the running services ({@code quorum.pairs} to {@code quorum.pairs.scored}) and scores what comes back.
 */
@Command(name = "pairs", description = "Evaluate the served pair scorer on a labelled QQP/MRPC file (JSON: n, accuracy, F1, log loss, ROC AUC, threshold).")
final class EvalPairs implements Callable<Integer> {

    private static final EventCodec<PairScored> SCORED = EventCodec.of(PairScored.class, PairScored.SCHEMA_VERSION);

    @Mixin
    Connection connection;

    @Option(names = "--data", required = true, description = "labelled pairs file (QQP CSV/TSV or MRPC TSV)")
    Path data;

    @Option(names = "--format", defaultValue = "auto", description = "auto, qqp or mrpc")
    String format;

    @Option(names = "--embedder", description = "evaluate the scorer trained on this embedder (default: the champion's)")
    String embedder;

    @Option(names = "--model", defaultValue = "pair-scorer",
            description = "the pair model to evaluate in process: pair-scorer (Siamese on sentence vectors), pair-aligner "
                    + "(alignment features), pair-scorer-ft / pair-aligner-ft (heads of a fine-tuned MiniLM) or any pair model's registry name")
    String model;

    @Option(names = "--model-version", description = "a specific version of --model")
    Integer modelVersion;

    @Option(names = "--rows", description = "first N pairs only")
    Integer rows;

    @Option(names = "--via-kafka", description = "send the pairs through the running services instead of scoring in process")
    boolean viaKafka;

    @Option(names = "--timeout", defaultValue = "600", description = "seconds to wait for answers (--via-kafka)")
    long timeout;

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime threads in process")
    int threads;

    @Option(names = "--runtime", defaultValue = "runtime")
    Path runtime;

    @Override
    public Integer call() throws Exception {
        PairFileReader.Result read = PairFileReader.read(data, PairFileReader.Format.parse(format));
        List<LabeledPair> pairs = read.pairs().stream().filter(p -> p.label() >= 0).toList();
        if (rows != null) {
            pairs = pairs.subList(0, Math.min(rows, pairs.size()));
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no labelled pairs in " + data);
        }
        ModelResolver models;
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            models = new ModelResolver(registry.snapshot(Duration.ofSeconds(30)), connection.store(), runtime.resolve("cache/cli"));
        }
        ModelPublished scorer = models.pairModel(model, modelVersion, embedder);
        boolean aligned = scorer.properties().containsKey(PairAlignerSpec.META_FEATURES);
        ModelPublished emb = models.embedderFor(scorer);
        long start = System.nanoTime();
        double[] p = new double[pairs.size()];
        int[] y = new int[pairs.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = pairs.get(i).label();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        double threshold;
        double[] thresholds = null;
        if (viaKafka) {
            Map<String, Integer> served = new TreeMap<>();
            Map<String, Double> servedThresholds = new TreeMap<>();
            thresholds = new double[pairs.size()];
            viaKafka(pairs, emb.name(), p, thresholds, served, servedThresholds);
            out.put("path", "via-kafka: " + Topics.PAIRS + " -> embedding -> pair-scoring -> " + Topics.PAIRS_SCORED);
            out.put("servedModels", served);
            // each pair is judged by the threshold of the model version that scored it
            threshold = servedThresholds.size() == 1 ? servedThresholds.values().iterator().next() : Double.NaN;
            if (servedThresholds.size() > 1) {
                out.put("thresholds", servedThresholds);
                System.err.println("note: pairs were scored by several model versions " + served
                        + "; each decision uses its own version's threshold");
            }
            if (served.keySet().stream().noneMatch(k -> k.startsWith(scorer.name() + " v"))) {
                System.err.println("note: the services scored these pairs with " + served.keySet() + ", not " + scorer.name()
                        + " (--model only picks the embedder here: pair-scoring routes MiniLM pairs to the pair aligner while"
                        + " one serves; QUORUM_PAIR_SCORING_MODEL / QUORUM_PAIR_SCORING_ALIGNER_MODEL choose the served models)");
            }
        } else {
            threshold = aligned ? inProcessAligned(pairs, scorer, emb, models, p)
                    : inProcess(pairs, scorer, emb, models, p);
            out.put("path", "in-process (ONNX Runtime)");
            out.put("model", scorer.name() + " v" + scorer.version());
        }
        Map<String, Double> m = thresholds != null ? BinaryMetrics.compute(p, y, thresholds) : BinaryMetrics.compute(p, y, threshold);
        out.put("data", data.toString());
        out.put("n", pairs.size());
        out.put("accuracy", m.get("accuracy"));
        out.put("f1", m.get("f1"));
        out.put("logloss", m.get("logloss"));
        out.put("auc", m.get("auc"));
        out.put("threshold", Double.isNaN(threshold) ? null : threshold);
        out.put("precision", m.get("precision"));
        out.put("recall", m.get("recall"));
        out.put("embedder", emb.name() + " v" + emb.version());
        out.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        System.out.println(Json.toPrettyString(out));
        return 0;
    }

    private double inProcess(List<LabeledPair> pairs, ModelPublished scorer, ModelPublished emb, ModelResolver models,
                             double[] p) throws Exception {
        InferenceOptions ort = InferenceOptions.cpu(threads);
        try (Embedder e = Embedders.load(emb, models.fetch(emb), ort);
             OnnxSession s = OnnxSession.open(models.fetch(scorer).resolve("model.onnx"), ort)) {
            List<String> texts = new ArrayList<>(new LinkedHashSet<>(texts(pairs)));
            Map<String, float[]> vec = new HashMap<>();
            for (int from = 0; from < texts.size(); from += 64) {
                List<String> part = texts.subList(from, Math.min(texts.size(), from + 64));
                float[][] v = e.embed(part);
                for (int i = 0; i < part.size(); i++) {
                    vec.put(part.get(i), v[i]);
                }
            }
            int d = e.dimension();
            for (int from = 0; from < pairs.size(); from += 512) {
                int n = Math.min(pairs.size(), from + 512) - from;
                float[] l = new float[n * d];
                float[] r = new float[n * d];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(vec.get(pairs.get(from + i).left()), 0, l, i * d, d);
                    System.arraycopy(vec.get(pairs.get(from + i).right()), 0, r, i * d, d);
                }
                float[] probs = PairScorerSpec.score(s, l, r, n, d);
                for (int i = 0; i < n; i++) {
                    p[from + i] = probs[i];
                }
            }
            return PairScorerSpec.threshold(s.metadata());
        }
    }

    /** The pair-aligner in process: MiniLM token alignment features of each pair, then the model. */
    private double inProcessAligned(List<LabeledPair> pairs, ModelPublished aligner, ModelPublished emb, ModelResolver models,
                                    double[] p) throws Exception {
        InferenceOptions ort = InferenceOptions.cpu(threads);
        try (Embedder e = Embedders.load(emb, models.fetch(emb), ort);
             OnnxSession s = OnnxSession.open(models.fetch(aligner).resolve("model.onnx"), ort)) {
            if (!(e instanceof MiniLmEmbedder minilm)) {
                throw new IllegalStateException(aligner.name() + " needs token vectors; embedder " + emb.name() + " has none");
            }
            int k = PairAlignerSpec.features(s.signature());
            for (int from = 0; from < pairs.size(); from += 128) {
                List<LabeledPair> part = pairs.subList(from, Math.min(pairs.size(), from + 128));
                float[][] f = PairAlignment.features(minilm, part.stream().map(LabeledPair::left).toList(),
                        part.stream().map(LabeledPair::right).toList());
                float[] x = new float[part.size() * k];
                for (int i = 0; i < part.size(); i++) {
                    System.arraycopy(f[i], 0, x, i * k, k);
                }
                float[] probs = s.runFloat(Map.of(PairAlignerSpec.INPUT, io.quorum.shared.inference.FloatTensor.of(x, part.size(), k)),
                        PairAlignerSpec.OUTPUT).data();
                for (int i = 0; i < part.size(); i++) {
                    p[from + i] = probs[i];
                }
            }
            return PairScorerSpec.threshold(s.metadata());
        }
    }

    private void viaKafka(List<LabeledPair> pairs, String embedderName, double[] p, double[] thresholds,
                          Map<String, Integer> served, Map<String, Double> servedThresholds) throws Exception {
        String run = "eval-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        KafkaClients clients = connection.clients();
        try (KafkaConsumer<String, byte[]> c = clients.consumer("eval-reader", Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
            List<TopicPartition> parts = new ArrayList<>(c.partitionsFor(Topics.PAIRS_SCORED, Duration.ofSeconds(15)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList());
            // a pair either service cannot process is dead-lettered: watch both DLQs to fail at once with the reason
            Set<String> dlqs = Set.of(Topics.dlq(Topics.PAIRS), Topics.dlq(Topics.PAIRS_EMBEDDED));
            Set<String> existing = c.listTopics(Duration.ofSeconds(15)).keySet();
            for (String dlq : dlqs) {
                if (existing.contains(dlq)) {
                    c.partitionsFor(dlq, Duration.ofSeconds(15)).forEach(i -> parts.add(new TopicPartition(dlq, i.partition())));
                }
            }
            c.assign(parts);
            c.seekToEnd(parts);
            parts.forEach(c::position);
            try (KafkaProducer<String, byte[]> producer = clients.reliableProducer("eval-writer", Map.of())) {
                for (int i = 0; i < pairs.size(); i++) {
                    LabeledPair lp = pairs.get(i);
                    PairSubmitted s = new PairSubmitted(PairSubmitted.SCHEMA_VERSION, run + i, lp.leftId(), lp.left(),
                            lp.rightId(), lp.right(), embedderName, System.currentTimeMillis());
                    producer.send(new ProducerRecord<>(Topics.PAIRS, s.pairId(), Json.toBytes(s)));
                }
            }
            int got = 0;
            boolean[] seen = new boolean[pairs.size()];
            long deadline = System.nanoTime() + Duration.ofSeconds(timeout).toNanos();
            while (got < pairs.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + got + " of " + pairs.size() + " pairs came back on "
                            + Topics.PAIRS_SCORED + " within " + timeout + " s (are embedding and pair-scoring up?)");
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !r.key().startsWith(run)) {
                        continue;
                    }
                    if (dlqs.contains(r.topic())) {
                        Header reason = r.headers().lastHeader(DeadLetter.HEADER_REASON);
                        throw new IllegalStateException("pair " + r.key().substring(run.length()) + " (" + got + " of "
                                + pairs.size() + " scored so far) was dead-lettered on " + r.topic() + ": "
                                + (reason == null ? "no reason header" : new String(reason.value(), StandardCharsets.UTF_8))
                                + (r.topic().equals(Topics.dlq(Topics.PAIRS))
                                ? " (the embedding service refused it: does it serve " + embedderName + "? see quorum.embedding.extra-embedders)"
                                : " (pair-scoring refused it: does it serve a model on " + embedderName + " vectors? see --model)"));
                    }
                    int i = Integer.parseInt(r.key().substring(run.length()));
                    try {
                        PairScored s = SCORED.decode(r.value());
                        if (!seen[i]) {
                            seen[i] = true;
                            got++;
                            p[i] = s.probability();
                            thresholds[i] = s.threshold();
                            served.merge(s.model() + " v" + s.modelVersion(), 1, Integer::sum);
                            servedThresholds.put(s.model() + " v" + s.modelVersion(), s.threshold());
                        }
                    } catch (InvalidEventException e) {
                        // not ours to judge
                    }
                }
                if (got % 500 == 0 && got > 0) {
                    System.err.printf("\r%d/%d scored", got, pairs.size());
                }
            }
            System.err.println();
        }
    }

    static List<String> texts(List<LabeledPair> pairs) {
        List<String> t = new ArrayList<>();
        for (LabeledPair p : pairs) {
            t.add(p.left());
            t.add(p.right());
        }
        return t;
    }
}
