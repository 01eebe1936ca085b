package io.quorum.adversarial;

import io.quorum.shared.data.IdxReader;
import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.Isolation;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.ModelManager;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.AttackReport;
import io.quorum.vision.attack.FoolingImages;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.Classifier;
import io.quorum.vision.picture.DigitGrid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Answers one poll of attack requests: checks each ({@link RequestChecks}), leases the models it names, attacks,
 * scores the adversarials on the target and hands each request's outputs to the sink as soon as the request is done
 * (its {@link AdversarialGenerated} records, then its {@link AttackCompleted}, keyed by the request id, plus its
 * red-team {@link DigitSubmitted} records); a request that cannot be answered becomes one dead letter. Single-image
 * requests of the poll that share models, attack and parameters are attacked together: one gradient call (FGSM; one
 * per step for PGD) covers up to {@code attackBatch} of them. Data-set requests run alone, in chunks of
 * {@code attackBatch}, within the poll's time budget. Plain logic, tested without Quarkus; see {@code DESIGN.md}.
 */
final class AttackProcessor {

    private static final Logger LOG = Logger.getLogger(AttackProcessor.class);

    /**
     * @param attackBatch       images per attack call
     * @param maxBatchDuration  time budget of one poll; data-set requests stop early beyond it
     * @param maxImages         most images of a data-set request
     * @param datasetOutputCap  per-image records published for one data-set request: -1 all, N an evenly spaced sample
     * @param datasetPrefix     store names of adversarial data sets start with it
     */
    record Settings(String outputTopic, String redTeamTopic, int attackBatch, Duration maxBatchDuration, int maxImages,
                    int datasetOutputCap, String datasetPrefix) {
        Settings {
            if (attackBatch < 1) {
                throw new IllegalArgumentException("attack batch must be at least 1, not " + attackBatch);
            }
        }
    }

    /** Where the models requests name come from ({@link TargetModels} in the service). */
    @FunctionalInterface
    interface Models {
        ModelManager.Lease<AttackModel> acquire(ModelRef ref) throws InvalidEventException;
    }

    /** Sends one request's outputs (or the poll's dead letters); the future completes when all are acknowledged. */
    @FunctionalInterface
    interface Sink {
        CompletableFuture<Void> send(BatchResult result);
    }

    /** What a poll came to: requests answered, dead letters, and the acknowledgement of everything sent. */
    record Processed(int answered, List<DeadLetter> deadLetters, CompletableFuture<Void> sent) {
    }

    /** A request with the models it runs on. */
    private record Bound(Job job, ModelManager.Lease<AttackModel> targetLease, ModelManager.Lease<AttackModel> craftLease) {
        AttackModel target() {
            return targetLease.model();
        }

        AttackModel craft() {
            return craftLease.model();
        }
    }

    /** Single-image requests attacked together. */
    private record GroupKey(ModelRef target, ModelRef craft, String attack, Map<String, String> params) {
    }

    /** One attacked image; {@code clean} is null for one evolved from noise. */
    private record Image(int index, String sourceId, float[] clean, float[] adversarial, Integer label,
                         AttackReport.Item item) {
    }

    /** Running totals of a request's images (all of them, also in data-set mode where only a sample is published). */
    static final class Tally {
        int attacked;
        int successes;
        int labelled;
        int correctBefore;
        int correctAfter;
        int correctStored;
        double sumLinf;
        long sumQueries;

        void add(AttackReport report, int[] labels) {
            for (int i = 0; i < report.size(); i++) {
                add(report.item(i), labels == null ? null : labels[i]);
            }
        }

        /** One image's result; {@code label} is null for fooling images. */
        void add(AttackReport.Item it, Integer label) {
            attacked++;
            successes += it.success() ? 1 : 0;
            sumQueries += it.queries();
            if (label != null) {
                labelled++;
                sumLinf += it.linf();
                correctBefore += it.predictionBefore() == label ? 1 : 0;
                correctAfter += it.predictionAfter() == label ? 1 : 0;
            }
        }

        double accuracyBefore() {
            return labelled == 0 ? Double.NaN : correctBefore / (double) labelled;
        }

        double accuracyAfter() {
            return labelled == 0 ? Double.NaN : correctAfter / (double) labelled;
        }

        double meanLinf() {
            return labelled == 0 ? Double.NaN : sumLinf / labelled;
        }

        double meanQueries() {
            return attacked == 0 ? Double.NaN : sumQueries / (double) attacked;
        }
    }

    /**
     * A request answered: {@code images} and {@code redTeam} are still to be published (a data-set request publishes
     * its records chunk by chunk while it runs, so both are empty there); {@code picture} holds the first images for
     * its grid.
     */
    private record Answer(Bound bound, List<Image> images, List<Image> picture, Tally tally, List<OutRecord> redTeam,
                          Map<String, String> dataset, String error, long startNanos) {

        /** An answer whose images are all still to be published (and drawn). */
        Answer(Bound bound, List<Image> images, Tally tally, List<OutRecord> redTeam, long startNanos) {
            this(bound, images, images, tally, redTeam, null, null, startNanos);
        }
    }

    private final Settings settings;
    private final RequestChecks checks;
    private final AdversarialSets sets;
    private final AttackMetrics metrics;
    private final RecentAttacks recent;

    /** @param sets where data sets are stored (null: not stored); @param recent pictures kept (null: none) */
    AttackProcessor(Settings settings, RequestChecks checks, AdversarialSets sets, AttackMetrics metrics,
                    RecentAttacks recent) {
        this.settings = settings;
        this.checks = checks;
        this.sets = sets;
        this.metrics = metrics;
        this.recent = recent;
    }

    Processed process(List<InRecord> records, Models models, Sink sink) {
        long deadline = System.nanoTime() + settings.maxBatchDuration().toNanos();
        List<DeadLetter> dead = new ArrayList<>();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        int answered = 0;
        try (Leases leases = new Leases(models)) {
            Object[] slots = new Object[records.size()];
            Map<GroupKey, List<Bound>> groups = new LinkedHashMap<>();
            for (int i = 0; i < records.size(); i++) {
                InRecord r = records.get(i);
                try {
                    Bound b = bind(checks.check(r), leases);
                    slots[i] = b;
                    if (b.job().mode() == Job.Mode.IMAGE) {
                        groups.computeIfAbsent(key(b), k -> new ArrayList<>()).add(b);
                    }
                } catch (InvalidEventException e) {
                    slots[i] = new DeadLetter(r, e.reason(), e.getMessage());
                } catch (RuntimeException e) {
                    // a bug must cost this request, not stop the channel for everyone
                    LOG.errorf(e, "request at %s could not be checked", r.coordinates());
                    slots[i] = new DeadLetter(r, RejectReason.PROCESSING_FAILED, "the service failed on this request: " + e);
                }
            }
            Set<GroupKey> done = new HashSet<>();
            for (Object slot : slots) {
                if (slot instanceof DeadLetter d) {
                    dead.add(d);
                    continue;
                }
                Bound b = (Bound) slot;
                List<Object> results = new ArrayList<>();
                switch (b.job().mode()) {
                    case IMAGE -> {
                        GroupKey k = key(b);
                        if (done.add(k)) {
                            results.addAll(images(groups.get(k)));
                        }
                    }
                    case NOISE -> results.add(isolated(b, () -> noise(b)));
                    case DATASET -> results.add(isolated(b, () -> dataset(b, deadline, r -> sends.add(sink.send(r)))));
                }
                for (Object res : results) {
                    if (res instanceof DeadLetter d) {
                        dead.add(d);
                    } else {
                        Answer a = (Answer) res;
                        answered++;
                        metrics.completed(a.bound().job().attack().name(), a.bound().target().meta().name());
                        remember(a);
                        sends.add(sink.send(outputs(a)));
                    }
                }
            }
        }
        if (!dead.isEmpty()) {
            BatchResult r = new BatchResult(dead.size());
            dead.forEach(r::deadLetter);
            sends.add(sink.send(r));
        }
        return new Processed(answered, dead, CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)));
    }

    // ------------------------------------------------------------------ models

    /** The leases of one poll: each model named is acquired once (or fails once) and released when the poll is done. */
    private static final class Leases implements AutoCloseable {
        private final Models models;
        private final Map<ModelRef, Object> byRef = new HashMap<>();

        Leases(Models models) {
            this.models = models;
        }

        @SuppressWarnings("unchecked")
        ModelManager.Lease<AttackModel> get(ModelRef ref) throws InvalidEventException {
            Object o = byRef.get(ref);
            if (o == null) {
                try {
                    o = models.acquire(ref);
                } catch (InvalidEventException e) {
                    o = e;
                }
                byRef.put(ref, o);
            }
            if (o instanceof InvalidEventException e) {
                throw new InvalidEventException(e.reason(), e.getMessage());
            }
            return (ModelManager.Lease<AttackModel>) o;
        }

        @Override
        public void close() {
            for (Object o : byRef.values()) {
                if (o instanceof ModelManager.Lease<?> l) {
                    l.close();
                }
            }
        }
    }

    /** Leases the request's models and checks the request against them. */
    private static Bound bind(Job job, Leases leases) throws InvalidEventException {
        ModelManager.Lease<AttackModel> target = leases.get(job.target());
        ModelManager.Lease<AttackModel> craft = job.source() == null ? target : leases.get(job.source());
        Bound b = new Bound(job, target, craft);
        if (job.attack().whiteBox() && !b.craft().whiteBox()) {
            throw new InvalidEventException(RejectReason.UNSUPPORTED_ATTACK, job.attack().name() + " is a white-box attack and "
                    + b.craft().describe() + " was published without " + io.quorum.shared.model.DigitClassifierSpec.GRADIENT_ARTIFACT
                    + ": attack it as a black box or publish its gradient graph");
        }
        if (b.target().classes() != b.craft().classes()) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "transfer from " + b.craft().describe() + " ("
                    + b.craft().classes() + " classes) to " + b.target().describe() + " (" + b.target().classes()
                    + " classes): the models must tell the same classes apart");
        }
        for (AttackModel m : List.of(b.target(), b.craft())) {
            if (job.image() != null) {
                checkShape(job.request().image().height(), job.request().image().width(), m);
            }
            if (job.label() != null && job.label() >= m.classes()) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "label " + job.label() + " is not one of the "
                        + m.classes() + " classes of " + m.describe());
            }
            if (job.params().target() >= m.classes()) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "target class " + job.params().target()
                        + " is not one of the " + m.classes() + " classes of " + m.describe());
            }
        }
        return b;
    }

    private static void checkShape(int height, int width, AttackModel m) throws InvalidEventException {
        if (height != m.height() || width != m.width()) {
            throw new InvalidEventException(RejectReason.WRONG_DIMENSION, height + "x" + width + " image, but "
                    + m.describe() + " takes " + m.height() + "x" + m.width());
        }
    }

    private static GroupKey key(Bound b) {
        Job j = b.job();
        return new GroupKey(j.target(), j.craft(), j.attack().name(), j.request().params());
    }

    // ------------------------------------------------------------------ attacks

    /**
     * One attack call, scored on the target, metrics recorded. {@code clean} with their {@code labels}; or, for images
     * evolved from noise ({@code clean} null), {@code labels} holds each image's target class.
     */
    private AttackReport attack(Bound b, float[][] clean, int[] labels, int count, AttackParams p, Random rnd,
                                float[][] adversarialOut) {
        return attack(b, clean, labels, count, p, rnd, adversarialOut, false);
    }

    private AttackReport attack(Bound b, float[][] clean, int[] labels, int count, AttackParams p, Random rnd,
                                float[][] adversarialOut, boolean fromNoise) {
        Classifier craft = b.craft().classifier();
        float[][] input = clean != null ? clean : new float[count][b.craft().classifier().inputSize()];
        int[] goals = labels;
        long start = System.nanoTime();
        Outcome o = b.job().attack().whiteBox()
                ? b.job().attack().white().run(b.craft().classifier(), input, goals, p, rnd)
                : b.job().attack().black().run(craft, input, goals, p, rnd);
        long nanos = System.nanoTime() - start;
        checkOutcome(o, count, craft.inputSize(), b.job().attack().name());
        AttackReport report = fromNoise
                ? AttackReport.scoreFooling(b.target().classifier(), o, goals, p.confidence())
                : AttackReport.score(b.target().classifier(), clean, labels, o, p.target(), p.confidence());
        metrics.attacked(b.job().attack().name(), b.target().meta().name(), b.target().meta().version(), report, nanos);
        System.arraycopy(o.adversarial(), 0, adversarialOut, 0, count);
        return report;
    }

    /** An attack must answer every image with an image of the right size in [0, 1]. */
    private static void checkOutcome(Outcome o, int count, int pixels, String attack) {
        if (o.adversarial().length != count || o.queries().length != count) {
            throw new IllegalStateException(attack + " returned " + o.adversarial().length + " images for " + count);
        }
        for (float[] a : o.adversarial()) {
            if (a.length != pixels) {
                throw new IllegalStateException(attack + " returned an image of " + a.length + " pixels, not " + pixels);
            }
            for (float v : a) {
                if (!(v >= 0f && v <= 1f)) {
                    throw new IllegalStateException(attack + " returned the intensity " + v + ", outside [0, 1]");
                }
            }
        }
    }

    /** A group of single-image requests, attacked together; a failing request is isolated and dead-lettered. */
    private List<Object> images(List<Bound> group) {
        List<Object> out = new ArrayList<>(group.size());
        List<Answer> answers = Isolation.run(group, this::imagesTogether, (b, e) -> LOG.warnf(e,
                "attack %s of request %s failed", b.job().attack().name(), b.job().requestId()));
        for (int i = 0; i < group.size(); i++) {
            Answer a = answers.get(i);
            Bound b = group.get(i);
            out.add(a != null ? a : new DeadLetter(b.job().record(), RejectReason.INFERENCE_FAILED, "the attack failed on "
                    + b.craft().describe() + " or its scoring on " + b.target().describe() + " (see the service log)"));
        }
        return out;
    }

    private List<Answer> imagesTogether(List<Bound> group) {
        long start = System.nanoTime();
        Bound first = group.get(0);
        AttackParams p = first.job().params();
        Random rnd = new Random(seed(first.job().requestId()));
        List<Answer> answers = new ArrayList<>(group.size());
        for (int from = 0; from < group.size(); from += settings.attackBatch()) {
            List<Bound> chunk = group.subList(from, Math.min(group.size(), from + settings.attackBatch()));
            int n = chunk.size();
            float[][] clean = new float[n][];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                clean[i] = chunk.get(i).job().image();
                labels[i] = chunk.get(i).job().label();
            }
            float[][] adv = new float[n][];
            AttackReport report = attack(first, clean, labels, n, p, rnd, adv);
            for (int i = 0; i < n; i++) {
                Bound b = chunk.get(i);
                Tally t = new Tally();
                t.add(report.item(i), labels[i]);
                Image img = new Image(0, b.job().requestId(), clean[i], adv[i], labels[i], report.item(i));
                answers.add(new Answer(b, List.of(img), t, b.job().request().redTeam() ? List.of(redTeam(b, img)) : List.of(),
                        start));
            }
        }
        return answers;
    }

    /**
     * Fooling images: one per class (image {@code i} aims at class {@code i}), or one for {@code target}, all evolved
     * from noise in one attack call ({@link FoolingImages#targets}).
     */
    private Answer noise(Bound b) {
        long start = System.nanoTime();
        AttackParams p = b.job().params();
        Random rnd = new Random(seed(b.job().requestId()));
        int n = p.targeted() ? 1 : b.target().classes();
        int[] targets = FoolingImages.targets(n, b.target().classes(), p);
        float[][] adv = new float[n][];
        AttackReport report = attack(b, null, targets, n, p, rnd, adv, true);
        List<Image> images = new ArrayList<>();
        List<OutRecord> red = new ArrayList<>();
        Tally t = new Tally();
        for (int i = 0; i < n; i++) {
            t.add(report.item(i), null);
            Image img = new Image(i, RequestChecks.FOOLING + ":" + targets[i], null, adv[i], null, report.item(i));
            images.add(img);
            if (b.job().request().redTeam()) {
                red.add(redTeam(b, img));
            }
        }
        return new Answer(b, images, t, red, start);
    }

    /**
     * A whole data set, in chunks, within the poll's time budget: every adversarial is kept for the stored set and
     * published per image, or, with a {@code datasetOutputCap} of 0 or more, an evenly spaced sample of at most that
     * many. Each chunk's records (and red-team digits) go to {@code publish} as soon as the chunk is scored, so the
     * broker and the requester take them while the next chunk is attacked; the {@code AttackCompleted} follows the
     * last of them. What was attacked is stored even when the request stops early (the card and
     * {@code AttackCompleted.error} say so).
     */
    private Answer dataset(Bound b, long deadline, java.util.function.Consumer<BatchResult> publish)
            throws InvalidEventException {
        long start = System.nanoTime();
        Job job = b.job();
        DigitSet set;
        int sourceSize;
        try {
            // only the head a request can attack is inflated (the first 2,000 of 60,000 cost 1/30 of the set); one
            // image beyond the service's limit tells a request without 'limit' that its set is too large
            sourceSize = IdxReader.count(job.dataset().images());
            long cap = settings.maxImages() + 1L;
            int head = (int) Math.min(Integer.MAX_VALUE, job.limit() < 0 ? cap : Math.min(job.limit(), cap));
            set = DigitSets.read(job.dataset().reference(), job.dataset().images(), job.dataset().labels(),
                    DigitSets.classesOf(job.dataset().reference()), head);
        } catch (IOException | RuntimeException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "data set '" + job.dataset().reference()
                    + "' cannot be read: " + e.getMessage());
        }
        checkShape(set.height(), set.width(), b.target());
        checkShape(set.height(), set.width(), b.craft());
        int n = job.limit() < 0 ? set.size() : Math.min(job.limit(), set.size());
        if (n > settings.maxImages()) {
            throw new InvalidEventException(RejectReason.LIMIT_EXCEEDED, "data set '" + job.dataset().reference() + "' has "
                    + sourceSize + " images, above this service's limit of " + settings.maxImages()
                    + " per request: give 'limit'");
        }
        for (int i = 0; i < n; i++) {
            if (set.labels()[i] >= b.target().classes()) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "label " + set.labels()[i] + " of image " + i
                        + " is not one of the " + b.target().classes() + " classes of " + b.target().describe());
            }
        }
        int cap = settings.datasetOutputCap();
        int stride = cap < 0 ? 1 : cap == 0 ? Integer.MAX_VALUE : Math.max(1, (n + cap - 1) / cap);
        AttackParams p = job.params();
        Random rnd = new Random(seed(job.requestId()));
        float[][] adv = new float[n][];
        Tally t = new Tally();
        List<Image> picture = new ArrayList<>();
        int pictureSize = recent == null ? 0 : recent.imagesPerRequest();
        String error = null;
        int attacked = 0;
        while (attacked < n) {
            if (attacked > 0 && System.nanoTime() > deadline) {
                error = "stopped after " + attacked + " of " + n + " images: the poll's time budget of "
                        + settings.maxBatchDuration().toSeconds() + " s ran out (quorum.adversarial.max-batch-duration);"
                        + " the attacked images are stored";
                break;
            }
            int from = attacked;
            int to = Math.min(n, from + settings.attackBatch());
            float[][] clean = Arrays.copyOfRange(set.images(), from, to);
            int[] labels = Arrays.copyOfRange(set.labels(), from, to);
            float[][] chunk = new float[to - from][];
            AttackReport report;
            int[] stored = null;
            try {
                report = attack(b, clean, labels, to - from, p, rnd, chunk);
                if (sets != null && sets.rounds()) {
                    // the stored 8-bit images are not the attacked ones: score what is stored
                    stored = Classifier.argmax(b.target().classifier().probabilities(rounded(chunk)));
                }
            } catch (RuntimeException e) {
                if (attacked == 0) {
                    throw e;
                }
                LOG.warnf(e, "request %s: the attack failed after %d images", job.requestId(), attacked);
                error = "stopped after " + attacked + " of " + n + " images: the attack failed (" + e.getMessage()
                        + "); the attacked images are stored";
                break;
            }
            t.add(report, labels);
            BatchResult out = new BatchResult(chunk.length);
            long now = System.currentTimeMillis();
            for (int i = 0; i < chunk.length; i++) {
                int kept = stored != null ? stored[i] : report.item(i).predictionAfter();
                t.correctStored += kept == labels[i] ? 1 : 0;
                int index = from + i;
                adv[index] = chunk[i];
                Image img = new Image(index, job.dataset().reference() + "#" + index, clean[i], chunk[i], labels[i],
                        report.item(i));
                if (index % stride == 0) {
                    out.output(adversarial(b, img, now));
                    if (picture.size() < pictureSize) {
                        picture.add(img);
                    }
                }
                if (job.request().redTeam()) {
                    out.output(redTeam(b, img));
                }
            }
            if (!out.outputs().isEmpty()) {
                publish.accept(out);
            }
            attacked = to;
        }
        Map<String, String> stored = null;
        if (sets != null && attacked > 0) {
            String name = AdversarialSets.name(settings.datasetPrefix(), job.dataset().slug(), job.attack().name());
            DigitSet out = new DigitSet(name, Arrays.copyOf(adv, attacked), Arrays.copyOf(set.labels(), attacked),
                    set.height(), set.width(), set.classes());
            try {
                AdversarialSets.Stored s = sets.store(name, out, card(b, sourceSize, n, t, error), job.requestId());
                stored = s.describe();
                if (!s.reused()) {
                    metrics.datasetStored();
                }
                LOG.infof("request %s: %s %s of %d images of %s on %s: accuracy %.4f -> %.4f; stored as %s v%d%s",
                        job.requestId(), job.attack().name(), error == null ? "attack" : "partial attack", attacked,
                        job.dataset().reference(), b.target().describe(), t.accuracyBefore(), t.accuracyAfter(), s.name(),
                        s.version(), s.reused() ? " (stored by an earlier delivery)" : "");
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "request %s: the adversarial data set could not be stored", job.requestId());
                error = (error == null ? "" : error + "; ") + "the adversarial data set could not be stored: " + e.getMessage();
            }
        }
        return new Answer(b, List.of(), picture, t, List.of(), stored, error, start);
    }

    /** The JSON card of a stored set: lineage (models, attack, parameters, source data) and figures. */
    private Map<String, Object> card(Bound b, int sourceSize, int requested, Tally t, String error) {
        Job job = b.job();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("kind", "adversarial-dataset");
        c.put("requestId", job.requestId());
        c.put("requestedBy", job.request().requestedBy());
        c.put("attack", job.attack().name());
        c.put("params", job.request().params());
        c.put("effectiveParams", job.params());
        c.put("seed", seed(job.requestId()));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("reference", job.dataset().reference());
        data.put("images", job.dataset().names().get(0));
        data.put("labels", job.dataset().names().get(1));
        data.put("relativeTo", "the data directory (quorum.adversarial.data-dir, default QUORUM_DATA_DIR)");
        data.put("size", sourceSize);
        c.put("source", data);
        c.put("craftedOn", model(b.craft()));
        c.put("scoredOn", model(b.target()));
        c.put("transfer", job.source() != null);
        c.put("images", t.attacked);
        c.put("requested", requested);
        c.put("complete", error == null && t.attacked == requested);
        if (error != null) {
            c.put("stoppedBecause", error);
        }
        c.put("successes", t.successes);
        c.put("accuracyBefore", t.accuracyBefore());
        c.put("accuracyAfter", t.accuracyAfter());
        c.put("accuracyAfterStored", t.labelled == 0 ? Double.NaN : t.correctStored / (double) t.labelled);
        c.put("meanLinf", t.meanLinf());
        c.put("meanQueries", t.meanQueries());
        c.put("encoding", sets.rounds()
                ? "IDX unsigned bytes: intensities rounded to the nearest 1/255 (accuracyAfterStored is the target's"
                        + " accuracy on these rounded images; accuracyAfter on the exact float adversarials)"
                : "IDX float32: the adversarials exactly as attacked and scored (accuracyAfterStored = accuracyAfter)");
        c.put("createdAt", System.currentTimeMillis());
        return c;
    }

    private static Map<String, Object> model(AttackModel m) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("name", m.meta().name());
        x.put("version", m.meta().version());
        x.put("sha256", m.meta().sha256());
        return x;
    }

    // ------------------------------------------------------------------ outputs

    /** Keeps the first images of an answered request for its picture. */
    private void remember(Answer a) {
        if (recent == null || a.picture().isEmpty()) {
            return;
        }
        Job job = a.bound().job();
        AttackModel target = a.bound().target();
        List<DigitGrid.Entry> entries = new ArrayList<>();
        for (Image img : a.picture().subList(0, Math.min(a.picture().size(), recent.imagesPerRequest()))) {
            AttackReport.Item it = img.item();
            entries.add(new DigitGrid.Entry(img.clean(), img.adversarial(), img.label() == null ? -1 : img.label(),
                    it.predictionBefore(), it.confidenceBefore(), it.predictionAfter(), it.confidenceAfter()));
        }
        String source = job.source() == null ? "" : " from " + a.bound().craft().describe();
        String title = job.attack().name() + (job.mode() == Job.Mode.NOISE ? "" : String.format(java.util.Locale.ROOT,
                " eps %.3g", job.params().eps())) + " on " + target.describe() + source + " (" + job.requestId() + ")";
        recent.remember(job.requestId(), new RecentAttacks.Picture(title, entries, target.height(), target.width(),
                target.classifier().classNames()));
    }

    private BatchResult outputs(Answer a) {
        Bound b = a.bound();
        Job job = b.job();
        long now = System.currentTimeMillis();
        AttackModel target = b.target();
        AttackModel craft = b.craft();
        BatchResult r = new BatchResult(a.images().size() + 1 + a.redTeam().size());
        for (Image img : a.images()) {
            r.output(adversarial(b, img, now));
        }
        Tally t = a.tally();
        AttackCompleted done = new AttackCompleted(AttackCompleted.SCHEMA_VERSION, job.requestId(), job.attack().name(),
                job.request().params(), t.attacked, t.successes, t.accuracyBefore(), t.accuracyAfter(), t.meanLinf(),
                t.meanQueries(), target.meta().name(), target.meta().version(), craft.meta().name(), craft.meta().version(),
                a.dataset(), a.error(), (System.nanoTime() - a.startNanos()) / 1_000_000, now);
        r.output(OutRecord.of(settings.outputTopic(), job.requestId(), Json.toBytes(done)));
        a.redTeam().forEach(r::output);
        return r;
    }

    /** One image's {@link AdversarialGenerated} record, keyed by the request id. */
    private OutRecord adversarial(Bound b, Image img, long now) {
        Job job = b.job();
        AttackModel target = b.target();
        AttackModel craft = b.craft();
        AttackReport.Item it = img.item();
        AdversarialGenerated g = new AdversarialGenerated(AdversarialGenerated.SCHEMA_VERSION, job.requestId(),
                img.sourceId(), img.index(), job.attack().name(), job.request().params(),
                DigitImage.ofFloats(target.width(), target.height(), img.adversarial()), img.label(), it.linf(), it.l2(),
                it.predictionBefore(), it.confidenceBefore(), it.predictionAfter(), it.confidenceAfter(), it.success(),
                it.queries(), target.meta().name(), target.meta().version(), craft.meta().name(),
                craft.meta().version(), now);
        return OutRecord.of(settings.outputTopic(), job.requestId(), Json.toBytes(g));
    }

    /** The adversarial as a digit submitted to the classifiers, labelled with the clean image's true class. */
    private OutRecord redTeam(Bound b, Image img) {
        String id = b.job().requestId() + "#" + img.index();
        DigitSubmitted d = new DigitSubmitted(DigitSubmitted.SCHEMA_VERSION, id,
                DigitImage.ofFloats(b.target().width(), b.target().height(), img.adversarial()), img.label(),
                "red-team:" + b.job().attack().name(), null, System.currentTimeMillis());
        return OutRecord.of(settings.redTeamTopic(), id, Json.toBytes(d));
    }

    // ------------------------------------------------------------------ helpers

    private interface Work {
        Answer run() throws InvalidEventException;
    }

    /** Runs one request; a check that fails is its dead letter, an attack that throws is dead-lettered as failed. */
    private static Object isolated(Bound b, Work work) {
        try {
            return work.run();
        } catch (InvalidEventException e) {
            return new DeadLetter(b.job().record(), e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf(e, "attack %s of request %s failed", b.job().attack().name(), b.job().requestId());
            return new DeadLetter(b.job().record(), RejectReason.INFERENCE_FAILED, "the attack failed on "
                    + b.craft().describe() + ": " + e.getMessage());
        }
    }

    /** The seed of a request's random choices (PGD's random start, black-box searches): a redelivery repeats them. */
    static long seed(String requestId) {
        byte[] h = Hashing.sha256().digest(requestId.getBytes(StandardCharsets.UTF_8));
        long s = 0;
        for (int i = 0; i < 8; i++) {
            s = (s << 8) | (h[i] & 0xFF);
        }
        return s;
    }

    /** Images as IDX stores them: intensities rounded to the nearest 1/255. */
    static float[][] rounded(float[][] images) {
        float[][] out = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            out[i] = new float[images[i].length];
            for (int j = 0; j < images[i].length; j++) {
                out[i][j] = Math.round(Math.max(0f, Math.min(1f, images[i][j])) * 255f) / 255f;
            }
        }
        return out;
    }
}
