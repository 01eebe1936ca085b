package io.quorum.pairscoring.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The known questions in one Lucene index: one document per question id (the compacted topic's key) with its text
 * (stored), its embedder (stored) and its vector in an HNSW field of that embedder and dimension
 * ({@code vector.<embedder>.<dim>}, cosine similarity, quantised as configured). Re-adding an id replaces its
 * document; deleting removes it. Vectors and texts are read back from Lucene (the float32 vectors from its flat vector
 * file, off-heap on disk), so the heap holds only the writer's buffer, not the corpus.
 *
 * <p>Nothing is persisted except by {@link #commit}: the commit carries the caller's user data (the topic offsets the
 * index covers) atomically with the documents; {@link #rollback} drops every change since the last commit.
 */
public final class QuestionIndex implements AutoCloseable {

    /** A nearest neighbour: its id, text, float32 vector and exact cosine similarity with the query. */
    public record Hit(String id, String text, float[] vector, double similarity) {
    }

    static final String ID = "id";
    static final String TEXT = "text";
    static final String EMBEDDER = "embedder";
    /** Lucene's HNSW defaults (also Elasticsearch's and OpenSearch's): 16 links per node, 100 candidates per insert. */
    static final int MAX_CONN = 16;
    static final int BEAM_WIDTH = 100;
    private static final Set<String> STORED = Set.of(ID, TEXT);

    private final Directory dir;
    private final Path path;
    private final Quantization quantization;
    private final IndexWriter writer;
    private DirectoryReader reader;
    private IndexSearcher searcher;
    private boolean changed;
    private volatile int lastKnownSize;
    /**
     * Changes since the searcher was last refreshed, by id (null vector: deleted). Searches see them by brute force
     * instead of refreshing the searcher for every question, which would flush a one-document segment each time.
     */
    private final Map<String, Pending> pending = new java.util.LinkedHashMap<>();
    /** More changes than {@link #REFRESH_AFTER} since the last refresh: {@link #pending} is incomplete. */
    private boolean overflow;

    /** A change not yet visible to the searcher: the question's field, text and vector, or a deletion. */
    private record Pending(String field, String text, float[] vector) {
    }

    /** Changes kept for brute force before the searcher is refreshed (about 0.4 ms of exact cosine at 384-d). */
    static final int REFRESH_AFTER = 1000;

    private QuestionIndex(Directory dir, Path path, Quantization quantization, double ramBufferMb) throws IOException {
        this.dir = dir;
        this.path = path;
        this.quantization = quantization;
        KnnVectorsFormat format = quantization.format(MAX_CONN, BEAM_WIDTH);
        IndexWriterConfig config = new IndexWriterConfig()
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setCodec(codec(format))
                .setRAMBufferSizeMB(ramBufferMb)
                // no compound files: graph, quantised and float32 vectors stay files of their own per segment, which
                // the page cache (and bench scale's accounting of what a search touches) sees apart
                .setUseCompoundFile(false)
                .setMergePolicy(noCompoundFiles())
                // only commit() persists, with the offsets it covers; close() never commits behind the caller's back
                .setCommitOnClose(false);
        IndexWriter w = new IndexWriter(dir, config);
        try {
            this.reader = DirectoryReader.open(w);
            this.searcher = new IndexSearcher(reader);
            this.lastKnownSize = reader.numDocs();
        } catch (IOException | RuntimeException e) {
            w.rollback();
            throw e;
        }
        this.writer = w;
    }

    /**
     * Opens (or creates) the index in {@code path}. Throws when what is there cannot be read: corrupt or truncated
     * files, an unknown codec, a format of another Lucene version.
     */
    public static QuestionIndex open(Path path, Quantization quantization, double ramBufferMb) throws IOException {
        FSDirectory d = FSDirectory.open(path);
        try {
            return new QuestionIndex(d, path, quantization, ramBufferMb);
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** An index in memory (tests, and a service configured without an index directory). */
    public static QuestionIndex inMemory(Quantization quantization) {
        try {
            return new QuestionIndex(new ByteBuffersDirectory(), null, quantization, 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TieredMergePolicy noCompoundFiles() {
        TieredMergePolicy p = new TieredMergePolicy();
        p.setNoCFSRatio(0.0);
        return p;
    }

    /** Lucene's current codec with every vector field in {@code format}; readers find the format by its SPI name. */
    static Codec codec(KnnVectorsFormat format) {
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    /** The HNSW field of an embedder's vectors of one dimension. */
    static String field(String embedder, int dimension) {
        return "vector." + (embedder == null ? "?" : embedder) + "." + dimension;
    }

    public Quantization quantization() {
        return quantization;
    }

    /** The directory on disk, or null in memory. */
    public Path path() {
        return path;
    }

    /** The user data of the commit this index was opened at, or of its latest {@link #commit}; empty when new. */
    public synchronized Map<String, String> committedData() {
        Map<String, String> m = new java.util.HashMap<>();
        Iterable<Map.Entry<String, String>> data = writer.getLiveCommitData();
        if (data != null) {
            data.forEach(e -> m.put(e.getKey(), e.getValue()));
        }
        return m;
    }

    /**
     * Adds or replaces question {@code id}. A vector that cannot be searched (zero, or not finite) is not indexed, and
     * an earlier version of the question is removed (as compaction would leave only the latest record); returns
     * whether the question is now in the index.
     */
    public synchronized boolean add(String embedder, String id, String text, float[] vector) {
        double norm = 0;
        for (float f : vector) {
            norm += f * f;
        }
        try {
            if (norm == 0 || !Double.isFinite(norm)) {
                writer.deleteDocuments(new Term(ID, id));
                changed(id, new Pending(null, null, null));
                return false;
            }
            Document d = new Document();
            d.add(new StringField(ID, id, Field.Store.YES));
            d.add(new StoredField(TEXT, text == null ? "" : text));
            d.add(new StoredField(EMBEDDER, embedder == null ? "" : embedder));
            String f = field(embedder, vector.length);
            d.add(new KnnFloatVectorField(f, vector, VectorSimilarityFunction.COSINE));
            writer.updateDocument(new Term(ID, id), d);
            changed(id, new Pending(f, text == null ? "" : text, vector.clone()));
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes question {@code id} (a tombstone on the compacted topic); it is never returned again. */
    public synchronized void delete(String id) {
        try {
            writer.deleteDocuments(new Term(ID, id));
            changed(id, new Pending(null, null, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void changed(String id, Pending p) {
        changed = true;
        if (overflow) {
            return; // the next search refreshes the searcher first
        }
        pending.remove(id); // re-inserted last: the map's order is the order of changes
        pending.put(id, p);
        if (pending.size() > REFRESH_AFTER) {
            // more than a search would compare one by one (a replay): forget them, the next search refreshes instead;
            // refreshing here would flush a small segment every thousand records
            pending.clear();
            overflow = true;
        }
    }

    /**
     * The {@code k} nearest questions of {@code embedder} to {@code vector} by exact cosine, best first (ties by id),
     * without {@code excludeId}: the HNSW graph proposes {@code max(k, candidates)} (on quantised vectors when so
     * configured), questions changed since the searcher was refreshed are compared one by one, and all are re-ranked on
     * their float32 vectors. The searcher is refreshed first once {@value #REFRESH_AFTER} changes are waiting.
     */
    public synchronized List<Hit> nearest(String embedder, float[] vector, int k, int candidates, String excludeId) {
        double qNorm = norm(vector);
        if (k <= 0 || qNorm == 0 || !Double.isFinite(qNorm)) {
            return List.of();
        }
        String f = field(embedder, vector.length);
        try {
            if (overflow || pending.size() >= REFRESH_AFTER) {
                refresh();
            }
            List<Hit> hits = new ArrayList<>();
            if (reader.numDocs() > 0) {
                // ask for more when changed questions may shadow some of the graph's answers
                int n = Math.max(k, candidates) + (excludeId == null ? 0 : 1) + Math.min(pending.size(), k);
                graphHits(f, vector, qNorm, n, k, excludeId, hits);
            }
            for (Map.Entry<String, Pending> e : pending.entrySet()) {
                Pending p = e.getValue();
                if (f.equals(p.field()) && !e.getKey().equals(excludeId)) {
                    hits.add(new Hit(e.getKey(), p.text(), p.vector().clone(), dot(vector, p.vector()) / (qNorm * norm(p.vector()))));
                }
            }
            hits.sort(Comparator.comparingDouble(Hit::similarity).reversed().thenComparing(Hit::id));
            return hits.size() > k ? List.copyOf(hits.subList(0, k)) : hits;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A graph candidate: its document, float32 vector and exact cosine with the query. */
    private record Candidate(int doc, float[] vector, double similarity) {
    }

    /**
     * The graph's {@code n} candidates re-ranked by exact cosine; ids and texts are read (stored fields are the dear
     * part) best first only until {@code k} are kept that no waiting change replaced or deleted, and beyond that while
     * the similarity ties, so that ties are broken by id as everywhere else.
     */
    private void graphHits(String f, float[] vector, double qNorm, int n, int k, String excludeId, List<Hit> hits)
            throws IOException {
        TopDocs top = searcher.search(new KnnFloatVectorQuery(f, vector, n), n);
        ScoreDoc[] docs = top.scoreDocs.clone();
        java.util.Arrays.sort(docs, Comparator.comparingInt(sd -> sd.doc)); // vector values iterate forwards
        List<LeafReaderContext> leaves = reader.leaves();
        List<Candidate> candidates = new ArrayList<>(docs.length);
        int leafIndex = -1;
        FloatVectorValues values = null;
        for (ScoreDoc sd : docs) {
            int li = ReaderUtil.subIndex(sd.doc, leaves);
            LeafReaderContext leaf = leaves.get(li);
            if (li != leafIndex) {
                leafIndex = li;
                values = leaf.reader().getFloatVectorValues(f);
            }
            int local = sd.doc - leaf.docBase;
            if (values == null || values.docID() > local || values.advance(local) != local) {
                continue; // cannot happen: the graph only returns documents with this field
            }
            float[] v = values.vectorValue().clone();
            candidates.add(new Candidate(sd.doc, v, dot(vector, v) / (qNorm * norm(v))));
        }
        candidates.sort(Comparator.comparingDouble(Candidate::similarity).reversed());
        StoredFields stored = searcher.storedFields();
        int kept = 0;
        double last = Double.NaN;
        for (Candidate c : candidates) {
            if (kept >= k && c.similarity() < last) {
                break;
            }
            Document d = stored.document(c.doc(), STORED);
            String id = d.get(ID);
            if (id.equals(excludeId) || pending.containsKey(id)) {
                continue;
            }
            hits.add(new Hit(id, d.get(TEXT), c.vector(), c.similarity()));
            kept++;
            last = c.similarity();
        }
    }

    /** Questions in the index now (refreshes the searcher, which flushes what the writer buffers). */
    public synchronized int size() {
        try {
            refresh();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return reader.numDocs();
    }

    /** Questions in the index as of the last search, commit or {@link #size()} call (for metrics: never blocks). */
    public int lastKnownSize() {
        return lastKnownSize;
    }

    /** Bytes of the index files (0 in memory or while files change under a merge). */
    public long sizeOnDisk() {
        long total = 0;
        try {
            for (String file : dir.listAll()) {
                try {
                    total += dir.fileLength(file);
                } catch (NoSuchFileException gone) {
                    // merged away meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }

    /** Persists every change so far together with {@code userData} (one atomic Lucene commit). */
    public synchronized void commit(Map<String, String> userData) {
        try {
            writer.setLiveCommitData(Map.copyOf(userData).entrySet());
            writer.commit();
            refresh(); // cheap now that everything is flushed; keeps lastKnownSize current
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops every change since the last commit and closes the index (the same as {@link #close}). */
    public void rollback() {
        close();
    }

    /** Opens a searcher on every change so far (flushing what the writer buffers); nothing is pending after. */
    private void refresh() throws IOException {
        if (changed) {
            DirectoryReader next = DirectoryReader.openIfChanged(reader, writer);
            if (next != null) {
                reader.close();
                reader = next;
                searcher = new IndexSearcher(reader);
                lastKnownSize = reader.numDocs();
            }
            changed = false;
            pending.clear();
            overflow = false;
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    /** Closes the index without committing: changes since the last {@link #commit} are lost. */
    @Override
    public synchronized void close() {
        try {
            if (reader != null) {
                reader.close();
                reader = null;
            }
            if (writer.isOpen()) {
                writer.rollback();
            }
            dir.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
