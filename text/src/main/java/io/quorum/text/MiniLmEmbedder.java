package io.quorum.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.LongTensor;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * all-MiniLM-L6-v2 (sentence-transformers) run directly on ONNX Runtime: the HuggingFace tokenizer (DJL's Rust
 * binding) pads each batch to its longest text and truncates at {@link #MAX_TOKENS}; the transformer's
 * {@code last_hidden_state} is mean-pooled over the attention mask and L2-normalised, as sentence-transformers does.
 *
 * <p>Parallelism: with {@code intraOpThreads = n > 1} the session runs single-threaded and {@link #embed} runs
 * {@code n} length-sorted sub-batches at once (ONNX Runtime sessions accept concurrent runs). Small sub-batches leave
 * little to split inside one operator, and a thread descheduled by a co-located process (broker, JIT, GC) then delays
 * only its own sub-batch instead of every operator's barrier: measured on 2 cores, +15% (fp32) and +20% (int8)
 * sentences/s over one run with 2 intra-op threads, and less loss under background load.
 */
public final class MiniLmEmbedder implements Embedder {

    public static final String KIND = "minilm";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** The transformer output that is pooled into sentence vectors. */
    public static final String OUTPUT = "last_hidden_state";
    /**
     * Optional second output: token vectors for {@link #tokenVectors} from other weights than the sentence vectors.
     * An encoder fine-tuned for pooled sentence similarity keeps its base model's untuned top layers here, because
     * token alignment works better on the base model's token vectors (see the trainer's {@code MiniLmFineTuner}).
     */
    public static final String TOKEN_OUTPUT = "token_hidden_state";
    public static final int MAX_TOKENS = 256;
    public static final int DIM = 384;
    /** Most texts per inference call inside {@link #embed}: enough to keep the cores busy, few enough to pad little. */
    static final int BUCKET = 16;

    private final String name;
    private final OnnxSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean typeIds;
    /** Whether the model has {@link #TOKEN_OUTPUT}. */
    private final boolean tokenOutput;
    private final int workers;
    /** Runs sub-batches beside the calling thread; null with one worker. */
    private final ExecutorService pool;

    /** One sub-batch at a time, on the calling thread. */
    public MiniLmEmbedder(String name, OnnxSession session, HuggingFaceTokenizer tokenizer) {
        this(name, session, tokenizer, 1);
    }

    /** Up to {@code workers} sub-batches at once: the caller's thread and {@code workers - 1} pool threads. */
    public MiniLmEmbedder(String name, OnnxSession session, HuggingFaceTokenizer tokenizer, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1");
        }
        this.name = name;
        this.session = session;
        this.tokenizer = tokenizer;
        this.typeIds = session.signature().input("token_type_ids").isPresent();
        this.tokenOutput = session.signature().output(TOKEN_OUTPUT).isPresent();
        this.workers = workers;
        AtomicInteger id = new AtomicInteger();
        this.pool = workers == 1 ? null : Executors.newFixedThreadPool(workers - 1, r -> {
            Thread t = new Thread(r, "minilm-" + name + "-" + id.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads {@code model.onnx} and {@code tokenizer.json} from {@code dir}. {@code options.intraOpThreads()} is the
     * number of sub-batches run at once (0: one per core), each on a single-threaded session (see the class comment).
     */
    public static MiniLmEmbedder load(String name, Path dir, InferenceOptions options) throws IOException, OrtException {
        HuggingFaceTokenizer tok = Tokenizers.load(dir.resolve(TOKENIZER_FILE), Map.of(
                "padding", "true", "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS)));
        int workers = options.intraOpThreads() == 0 ? Runtime.getRuntime().availableProcessors() : options.intraOpThreads();
        InferenceOptions single = new InferenceOptions(options.device(), 1, options.interOpThreads(),
                options.cudaDeviceId(), options.spinWait());
        try {
            return new MiniLmEmbedder(name, OnnxSession.open(dir.resolve("model.onnx"), single), tok, workers);
        } catch (OrtException | RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /** Sub-batches run at once. */
    public int workers() {
        return workers;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int dimension() {
        return DIM;
    }

    /**
     * Embeds {@code texts} in sub-batches of similar length (sorted by characters, at most {@link #BUCKET} texts
     * each, and split so that every worker gets one when there are fewer): a batch is padded to its longest text and
     * attention costs the square of that length, so mixing a 10-token question with a 60-token one wastes most of the
     * work. Sub-batches run on up to {@link #workers()} threads; results come back in input order.
     */
    @Override
    public float[][] embed(List<String> texts) {
        return inBuckets(texts, this::embedPadded, float[][]::new);
    }

    /**
     * One text's contextual token vectors: {@code pieces} are its word pieces without {@code [CLS]}/{@code [SEP]},
     * {@code tokens} their {@code last_hidden_state} rows (the {@link #TOKEN_OUTPUT} rows when the model has that
     * output), each L2-normalised, and {@code sentence} the pooled, normalised sentence vector {@link #embed} returns.
     */
    public record TokenVectors(float[] sentence, String[] pieces, float[][] tokens) {
    }

    /** Token-level output for each text, in input order (same sub-batching as {@link #embed}). */
    public List<TokenVectors> tokenVectors(List<String> texts) {
        return Arrays.asList(inBuckets(texts, this::tokensPadded, TokenVectors[]::new));
    }

    /**
     * Runs {@code f} over length-sorted sub-batches (at most {@link #BUCKET} texts each, and split so that every
     * worker gets one when there are fewer) on up to {@link #workers()} threads; results come back in input order.
     */
    private <T> T[] inBuckets(List<String> texts, java.util.function.Function<List<String>, T[]> f,
                              java.util.function.IntFunction<T[]> array) {
        int n = texts.size();
        int size = Math.max(1, Math.min(BUCKET, (n + workers - 1) / workers));
        if (n <= size) {
            return f.apply(texts);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> texts.get(i).length()));
        int buckets = (n + size - 1) / size;
        T[] out = array.apply(n);
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            for (int b = next.getAndIncrement(); b < buckets; b = next.getAndIncrement()) {
                int from = b * size;
                int to = Math.min(n, from + size);
                List<String> bucket = new ArrayList<>(to - from);
                for (int k = from; k < to; k++) {
                    bucket.add(texts.get(order[k]));
                }
                T[] v = f.apply(bucket);
                for (int k = from; k < to; k++) {
                    out[order[k]] = v[k - from];
                }
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        if (pool != null) {
            for (int w = 1; w < Math.min(workers, buckets); w++) {
                helpers.add(pool.submit(drain));
            }
        }
        RuntimeException failure = null;
        try {
            drain.run();
        } catch (RuntimeException e) {
            failure = e;
            next.set(buckets);
        }
        for (Future<?> helper : helpers) {
            try {
                helper.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re
                            : new IllegalStateException("MiniLM sub-batch failed: " + e.getCause(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while embedding", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    /**
     * Tokenizer output, {@code last_hidden_state} ({@code data}) and the token vectors ({@code tokens}: the
     * {@link #TOKEN_OUTPUT} when asked for and present, else {@code data}) of one padded inference.
     */
    private record Hidden(Encoding[] enc, long[] mask, int n, int len, int dim, float[] data, float[] tokens) {
    }

    /** One inference over {@code texts} padded to the longest; {@code tokens}: also fetch {@link #TOKEN_OUTPUT}. */
    private Hidden run(List<String> texts, boolean tokens) {
        int n = texts.size();
        Encoding[] enc = tokenizer.batchEncode(texts);
        int len = enc[0].getIds().length;
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        long[] types = new long[n * len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(enc[i].getIds(), 0, ids, i * len, len);
            System.arraycopy(enc[i].getAttentionMask(), 0, mask, i * len, len);
            System.arraycopy(enc[i].getTypeIds(), 0, types, i * len, len);
        }
        Map<String, Tensor> in = typeIds
                ? Map.of("input_ids", LongTensor.of(ids, n, len), "attention_mask", LongTensor.of(mask, n, len),
                "token_type_ids", LongTensor.of(types, n, len))
                : Map.of("input_ids", LongTensor.of(ids, n, len), "attention_mask", LongTensor.of(mask, n, len));
        FloatTensor hidden;
        float[] tokenData;
        try {
            if (tokens && tokenOutput) {
                Map<String, Tensor> out = session.run(in, OUTPUT, TOKEN_OUTPUT);
                hidden = (FloatTensor) out.get(OUTPUT);
                tokenData = ((FloatTensor) out.get(TOKEN_OUTPUT)).data();
            } else {
                hidden = session.runFloat(in, OUTPUT);
                tokenData = hidden.data();
            }
        } catch (OrtException | ClassCastException e) {
            throw new IllegalStateException("MiniLM inference failed: " + e.getMessage(), e);
        }
        return new Hidden(enc, mask, n, len, (int) hidden.shape()[2], hidden.data(), tokenData);
    }

    private float[][] embedPadded(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        Hidden h = run(texts, false);
        return pool(h.data(), h.mask(), h.n(), h.len(), h.dim());
    }

    private TokenVectors[] tokensPadded(List<String> texts) {
        if (texts.isEmpty()) {
            return new TokenVectors[0];
        }
        Hidden h = run(texts, true);
        float[][] pooled = pool(h.data(), h.mask(), h.n(), h.len(), h.dim());
        TokenVectors[] out = new TokenVectors[h.n()];
        for (int i = 0; i < h.n(); i++) {
            String[] all = h.enc()[i].getTokens();
            List<String> pieces = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            for (int t = 0; t < h.len(); t++) {
                if (h.mask()[i * h.len() + t] == 0 || all[t].equals("[CLS]") || all[t].equals("[SEP]")) {
                    continue;
                }
                float[] v = Arrays.copyOfRange(h.tokens(), (i * h.len() + t) * h.dim(), (i * h.len() + t + 1) * h.dim());
                double norm = 0;
                for (float x : v) {
                    norm += (double) x * x;
                }
                float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
                for (int d = 0; d < v.length; d++) {
                    v[d] *= inv;
                }
                pieces.add(all[t]);
                vectors.add(v);
            }
            out[i] = new TokenVectors(pooled[i], pieces.toArray(new String[0]), vectors.toArray(new float[0][]));
        }
        return out;
    }

    /** Masked mean over tokens, then L2 normalisation. */
    static float[][] pool(float[] hidden, long[] mask, int n, int len, int dim) {
        float[][] out = new float[n][dim];
        for (int i = 0; i < n; i++) {
            float[] v = out[i];
            int count = 0;
            for (int t = 0; t < len; t++) {
                if (mask[i * len + t] == 0) {
                    continue;
                }
                count++;
                int base = (i * len + t) * dim;
                for (int d = 0; d < dim; d++) {
                    v[d] += hidden[base + d];
                }
            }
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                v[d] /= Math.max(1, count);
                norm += (double) v[d] * v[d];
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
            for (int d = 0; d < dim; d++) {
                v[d] *= inv;
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        session.close();
        tokenizer.close();
    }
}
