package io.quorum.training.data;

import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.data.PairFileReader;
import io.quorum.shared.model.Hashing;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Labelled text pairs from a QQP or MRPC file (or the trainer's store of labelled pairs), embedded with the
 * {@code embedder} the scorer will be served with. Vectors of expensive embedders are cached per data hash and
 * embedder version, so repeated jobs and cross-validation folds embed each text once.
 */
public final class TextPairSource implements PairVectorSource {

    /** The {@code data} value that means the labelled pairs collected from {@code quorum.pairs.labeled}. */
    public static final String LABELED = "labeled";

    private final EmbedderResolver embedders;
    private final Path cacheDir;
    private final Path labeledStore;
    private final boolean confined;

    /** A source that reads any file it is given (local tools). */
    public TextPairSource(EmbedderResolver embedders, Path cacheDir, Path labeledStore) {
        this(embedders, cacheDir, labeledStore, false);
    }

    /**
     * @param confined when true, {@code data} files must lie inside the job's data directory ({@link DataPaths}):
     *                 what the trainer service uses for requests from Kafka and HTTP
     */
    public TextPairSource(EmbedderResolver embedders, Path cacheDir, Path labeledStore, boolean confined) {
        this.embedders = embedders;
        this.cacheDir = cacheDir;
        this.labeledStore = labeledStore;
        this.confined = confined;
    }

    @Override
    public boolean handles(String data) {
        return !data.equals("generated");
    }

    /** The pairs of {@code data} (a file, or {@link #LABELED}), after the {@code format} and {@code rows} parameters. */
    public List<LabeledPair> read(String data, JobContext ctx, Map<String, String> refOut) throws JobFailedException {
        JobParams p = ctx.params();
        Path file = resolve(data, ctx);
        List<LabeledPair> pairs;
        try {
            if (data.equals(LABELED)) {
                pairs = LabeledPairStore.read(file);
            } else {
                PairFileReader.Result r = PairFileReader.read(file, PairFileReader.Format.parse(p.string("format", "auto")));
                pairs = r.pairs();
                if (r.skipped() > 0) {
                    ctx.progress(0, 0, 0, Double.NaN, 0, -1, null, "skipped " + r.skipped() + " unusable rows, e.g. "
                            + r.skipReasons().get(0));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new JobFailedException("cannot read training data " + file + ": " + e.getMessage(), e);
        }
        pairs = pairs.stream().filter(x -> x.label() == 0 || x.label() == 1).toList();
        String rows = p.string("rows", "all");
        if (!rows.equals("all")) {
            try {
                pairs = pairs.subList(0, Math.min(pairs.size(), Integer.parseInt(rows)));
            } catch (NumberFormatException e) {
                throw new JobFailedException("rows must be 'all' or a number, got '" + rows + "'");
            }
        }
        refOut.put("file", DataPaths.describe(ctx.dataDir(), file));
        refOut.put("rows", rows);
        return pairs;
    }

    /** The pairs a text job trains on: its required {@code data} parameter, read, and at least 20 of them. */
    public List<LabeledPair> readTraining(JobContext ctx, String job, Map<String, String> refOut) throws JobFailedException {
        if (!ctx.params().has("data")) {
            throw new JobFailedException(job + " needs data: a QQP/MRPC file or 'labeled'");
        }
        List<LabeledPair> pairs = read(ctx.params().string("data", ""), ctx, refOut);
        if (pairs.size() < 20) {
            throw new JobFailedException("too few labelled pairs to train on: " + pairs.size());
        }
        return pairs;
    }

    @Override
    public PairVectors load(String data, JobContext ctx) throws JobFailedException {
        JobParams p = ctx.params();
        Map<String, String> ref = new LinkedHashMap<>();
        List<LabeledPair> pairs = read(data, ctx, ref);
        if (pairs.isEmpty()) {
            throw new JobFailedException("no labelled pairs in " + ref.get("file"));
        }
        String embedder = p.string("embedder", "minilm");
        String vectors = p.has("vectors") ? p.string("vectors", "glove") : null; // null: the embedder's own default
        String dataHash = hash(pairs);
        List<String> corpus = new ArrayList<>(new LinkedHashSet<>(texts(pairs)));
        ctx.progress(0, 0, 0, Double.NaN, 0, -1, null, "embedding " + corpus.size() + " distinct texts of " + pairs.size()
                + " pairs with " + embedder);
        try (EmbedderResolver.Resolved e = embedders.resolve(embedder, vectors, corpus)) {
            Map<String, float[]> byText = embedCached(e, corpus, dataHash, ctx);
            int n = pairs.size();
            float[][] left = new float[n][];
            float[][] right = new float[n][];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                left[i] = byText.get(pairs.get(i).left());
                right[i] = byText.get(pairs.get(i).right());
                labels[i] = pairs.get(i).label();
            }
            String dataRef = ref.get("file") + (ref.get("rows").equals("all") ? "" : " (first " + ref.get("rows") + " rows)")
                    + ", " + n + " pairs, embedded with " + e.ref();
            return new PairVectors(left, right, labels, e.embedder().dimension(), dataRef, dataHash, embedder, e.version());
        } catch (JobFailedException e) {
            throw e;
        } catch (Exception e) {
            throw new JobFailedException("embedding with " + embedder + " failed: " + e.getMessage(), e);
        }
    }

    private Map<String, float[]> embedCached(EmbedderResolver.Resolved e, List<String> corpus, String dataHash, JobContext ctx)
            throws IOException {
        boolean cacheable = e.embedder().name().startsWith("minilm");
        Path cache = cacheDir.resolve(Hashing.sha256((dataHash + "|" + e.ref() + "|" + e.version()).getBytes(StandardCharsets.UTF_8))
                .substring(0, 24) + ".vec");
        Map<String, float[]> out = new LinkedHashMap<>();
        if (cacheable && Files.exists(cache)) {
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(cache)))) {
                int n = in.readInt();
                int dim = in.readInt();
                if (n == corpus.size()) {
                    for (String text : corpus) {
                        float[] v = new float[dim];
                        for (int j = 0; j < dim; j++) {
                            v[j] = in.readFloat();
                        }
                        out.put(text, v);
                    }
                    return out;
                }
            }
        }
        int chunk = 64;
        long start = System.nanoTime();
        for (int from = 0; from < corpus.size(); from += chunk) {
            List<String> part = corpus.subList(from, Math.min(corpus.size(), from + chunk));
            float[][] v = e.embedder().embed(part);
            for (int i = 0; i < part.size(); i++) {
                out.put(part.get(i), v[i]);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            int done = Math.min(corpus.size(), from + chunk);
            if (from / chunk % 20 == 19) {
                ctx.progress(0, 0, 0, Double.NaN, done / secs, (corpus.size() - done) / (done / secs), null,
                        "embedded " + done + "/" + corpus.size() + " texts");
            }
        }
        if (cacheable) {
            Files.createDirectories(cacheDir);
            Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
            try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
                o.writeInt(corpus.size());
                o.writeInt(e.embedder().dimension());
                for (String text : corpus) {
                    for (float f : out.get(text)) {
                        o.writeFloat(f);
                    }
                }
            }
            Files.move(tmp, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    private Path resolve(String data, JobContext ctx) throws JobFailedException {
        if (data.equals(LABELED)) {
            if (!Files.exists(labeledStore)) {
                throw new JobFailedException("no labelled pairs collected yet (" + labeledStore + ")");
            }
            return labeledStore;
        }
        if (confined) {
            return DataPaths.confine(ctx.dataDir(), data);
        }
        Path p = Path.of(data);
        if (Files.isRegularFile(p)) {
            return p;
        }
        Path inData = ctx.dataDir().resolve(data);
        if (Files.isRegularFile(inData)) {
            return inData;
        }
        throw new JobFailedException("training data " + data + " not found (also looked in " + ctx.dataDir() + ")");
    }

    static List<String> texts(List<LabeledPair> pairs) {
        List<String> t = new ArrayList<>(pairs.size() * 2);
        for (LabeledPair p : pairs) {
            t.add(p.left());
            t.add(p.right());
        }
        return t;
    }

    public static String hash(List<LabeledPair> pairs) {
        MessageDigest md = Hashing.sha256();
        for (LabeledPair p : pairs) {
            md.update((p.left() + "\t" + p.right() + "\t" + p.label() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return Hashing.hex(md.digest());
    }
}
