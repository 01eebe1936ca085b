package io.quorum.embedding;

import io.quorum.shared.events.ContentMode;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.QuestionPosted;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.events.VectorCodec;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.Isolation;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.PairAlignment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Embeds one batch of questions or pairs: decode and validate every record (empty, too long, invalid UTF-8, a
 * missing side, an unknown embedder are dead-lettered with the reason), embed the valid texts of each embedder in
 * chunks, and answer every record once, in input order. Pairs embedded with MiniLM also get their interaction
 * features ({@link PairAlignment}) from the same token vectors, when enabled. Plain logic, tested without Quarkus.
 */
final class TextEmbedding {

    private static final Logger LOG = Logger.getLogger(TextEmbedding.class);
    private static final EventCodec<QuestionPosted> QUESTIONS = EventCodec.of(QuestionPosted.class, QuestionPosted.SCHEMA_VERSION);
    private static final EventCodec<PairSubmitted> PAIRS = EventCodec.of(PairSubmitted.class, PairSubmitted.SCHEMA_VERSION);
    private static final VectorCodec<QuestionEmbedded> QUESTIONS_OUT = VectorCodec.questions();
    private static final VectorCodec<PairEmbedded> PAIRS_OUT = VectorCodec.pairs();
    /** {@code ce_source} of the binary-mode records this service writes. */
    static final String SOURCE = "/quorum/embedding";

    private final int maxChars;
    private final int chunk;
    private final String questionsOut;
    private final String pairsOut;
    private final boolean pairFeatures;
    private final ContentMode mode;

    /** @param mode how the vectors are written: JSON, or raw float32 with CloudEvents headers */
    TextEmbedding(int maxChars, int chunk, String questionsOut, String pairsOut, boolean pairFeatures, ContentMode mode) {
        this.mode = mode;
        this.maxChars = maxChars;
        this.chunk = chunk;
        this.questionsOut = questionsOut;
        this.pairsOut = pairsOut;
        this.pairFeatures = pairFeatures;
    }

    TextEmbedding(int maxChars, int chunk, String questionsOut, String pairsOut, boolean pairFeatures) {
        this(maxChars, chunk, questionsOut, pairsOut, pairFeatures, ContentMode.JSON);
    }

    TextEmbedding(int maxChars, int chunk, String questionsOut, String pairsOut) {
        this(maxChars, chunk, questionsOut, pairsOut, true);
    }

    /** One unit of work: a record, the texts it needs embedded, and the embedder. */
    private record Item(InRecord record, Object event, List<String> texts, String embedder) {
    }

    BatchResult questions(List<InRecord> records, String defaultEmbedder, Function<String, LoadedEmbedder> embedders) {
        return run(records, false, r -> {
            QuestionPosted q = QUESTIONS.decode(r.value());
            checkText(q.text(), "text");
            return new Item(r, q, List.of(q.text()), q.embedder() != null ? q.embedder() : defaultEmbedder);
        }, embedders, (item, vectors, e) -> {
            QuestionPosted q = (QuestionPosted) item.event();
            QuestionEmbedded out = new QuestionEmbedded(QuestionEmbedded.SCHEMA_VERSION, q.questionId(), q.text(),
                    FloatVector.wrap(vectors.get(0)), e.name(), e.version(), System.currentTimeMillis());
            VectorCodec.Encoded enc = QUESTIONS_OUT.encode(out, mode, SOURCE);
            return new OutRecord(questionsOut, q.questionId(), enc.value(), enc.headers());
        });
    }

    BatchResult pairs(List<InRecord> records, String defaultEmbedder, Function<String, LoadedEmbedder> embedders) {
        return run(records, pairFeatures, r -> {
            PairSubmitted p = PAIRS.decode(r.value());
            checkText(p.left(), "left");
            checkText(p.right(), "right");
            return new Item(r, p, List.of(p.left(), p.right()), p.embedder() != null ? p.embedder() : defaultEmbedder);
        }, embedders, (item, vectors, e) -> {
            PairSubmitted p = (PairSubmitted) item.event();
            // a third row, when present, is the pair's interaction features
            boolean features = vectors.size() > 2;
            PairEmbedded out = new PairEmbedded(PairEmbedded.SCHEMA_VERSION, p.pairId(), p.leftId(), p.rightId(),
                    FloatVector.wrap(vectors.get(0)), FloatVector.wrap(vectors.get(1)), e.name(), e.version(),
                    System.currentTimeMillis(), features ? FloatVector.wrap(vectors.get(2)) : null,
                    features ? PairAlignment.FEATURE_SET : null);
            VectorCodec.Encoded enc = PAIRS_OUT.encode(out, mode, SOURCE);
            return new OutRecord(pairsOut, r(item).key() != null ? r(item).key() : p.pairId(), enc.value(), enc.headers());
        });
    }

    private static InRecord r(Item i) {
        return i.record();
    }

    @FunctionalInterface
    private interface Decoder {
        Item decode(InRecord r) throws InvalidEventException;
    }

    @FunctionalInterface
    private interface Encoder {
        OutRecord encode(Item item, List<float[]> vectors, LoadedEmbedder embedder);
    }

    private BatchResult run(List<InRecord> records, boolean features, Decoder decoder,
                            Function<String, LoadedEmbedder> embedders, Encoder encoder) {
        Object[] slots = new Object[records.size()];
        Map<String, List<Integer>> byEmbedder = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            InRecord r = records.get(i);
            try {
                Item item = decoder.decode(r);
                if (embedders.apply(item.embedder()) == null) {
                    throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, "unknown embedder '" + item.embedder() + "'");
                }
                slots[i] = item;
                byEmbedder.computeIfAbsent(item.embedder(), k -> new ArrayList<>()).add(i);
            } catch (InvalidEventException e) {
                slots[i] = new DeadLetter(r, e.reason(), e.getMessage());
            }
        }
        for (var group : byEmbedder.entrySet()) {
            LoadedEmbedder e = embedders.apply(group.getKey());
            List<Item> items = group.getValue().stream().map(i -> (Item) slots[i]).toList();
            boolean aligned = features && e.embedder() instanceof MiniLmEmbedder;
            List<List<float[]>> vectors = Isolation.run(items, batch -> aligned ? alignPairs((MiniLmEmbedder) e.embedder(), batch)
                    : embed(e, batch), (item, ex) ->
                    LOG.warnf("record %s failed embedding alone: %s", item.record().coordinates(), ex.toString()));
            for (int k = 0; k < items.size(); k++) {
                int slot = group.getValue().get(k);
                Item item = items.get(k);
                List<float[]> v = vectors.get(k);
                slots[slot] = v == null
                        ? new DeadLetter(item.record(), RejectReason.INFERENCE_FAILED, "embedder " + e.name() + " v"
                        + e.version() + " failed on this record")
                        : encoder.encode(item, v, e);
            }
        }
        BatchResult result = new BatchResult(records.size());
        for (Object s : slots) {
            if (s instanceof DeadLetter d) {
                result.deadLetter(d);
            } else {
                result.output((OutRecord) s);
            }
        }
        return result;
    }

    /** Embeds every text of {@code items} in chunks; returns the vectors per item. */
    private List<List<float[]>> embed(LoadedEmbedder e, List<Item> items) {
        List<String> texts = new ArrayList<>();
        for (Item i : items) {
            texts.addAll(i.texts());
        }
        List<float[]> all = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += chunk) {
            float[][] v = e.embedder().embed(texts.subList(from, Math.min(texts.size(), from + chunk)));
            for (float[] x : v) {
                all.add(requireFinite(x));
            }
        }
        List<List<float[]>> out = new ArrayList<>(items.size());
        int at = 0;
        for (Item i : items) {
            out.add(all.subList(at, at + i.texts().size()));
            at += i.texts().size();
        }
        return out;
    }

    /** For pairs: both sentence vectors and the interaction features, from one pass over the token vectors. */
    private List<List<float[]>> alignPairs(MiniLmEmbedder minilm, List<Item> items) {
        List<List<float[]>> out = new ArrayList<>(items.size());
        int pairsPerCall = Math.max(1, chunk / 2);
        for (int from = 0; from < items.size(); from += pairsPerCall) {
            List<Item> part = items.subList(from, Math.min(items.size(), from + pairsPerCall));
            List<String> texts = new ArrayList<>(part.size() * 2);
            for (Item i : part) {
                texts.addAll(i.texts());
            }
            List<MiniLmEmbedder.TokenVectors> t = minilm.tokenVectors(texts);
            for (int k = 0; k < part.size(); k++) {
                MiniLmEmbedder.TokenVectors a = t.get(2 * k);
                MiniLmEmbedder.TokenVectors b = t.get(2 * k + 1);
                float[] f = PairAlignment.features(part.get(k).texts().get(0), a, part.get(k).texts().get(1), b);
                out.add(List.of(requireFinite(a.sentence()), requireFinite(b.sentence()), requireFinite(f)));
            }
        }
        return out;
    }

    private static float[] requireFinite(float[] x) {
        for (float f : x) {
            if (!Float.isFinite(f)) {
                throw new IllegalStateException("embedder produced a non-finite value");
            }
        }
        return x;
    }

    private void checkText(String text, String field) throws InvalidEventException {
        if (isBlank(text)) {
            throw new InvalidEventException(RejectReason.EMPTY_TEXT, "field '" + field
                    + "' has no visible character (empty, whitespace, control or format characters only)");
        }
        if (text.length() > maxChars) { // UTF-16 units >= code points: the exact count only near the limit
            int chars = text.codePointCount(0, text.length());
            if (chars > maxChars) {
                throw new InvalidEventException(RejectReason.TEXT_TOO_LONG, "field '" + field + "' has " + chars
                        + " characters, more than the limit of " + maxChars);
            }
        }
    }

    /**
     * No visible content: only whitespace, Unicode space separators (no-break spaces included), control characters
     * (NUL, BEL, ESC, DEL...) and format characters (zero-width spaces and joiners, byte-order marks), which
     * {@link String#isBlank()} lets through.
     */
    static boolean isBlank(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int type = Character.getType(c);
            if (!Character.isWhitespace(c) && !Character.isSpaceChar(c) && type != Character.FORMAT && type != Character.CONTROL) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }
}
