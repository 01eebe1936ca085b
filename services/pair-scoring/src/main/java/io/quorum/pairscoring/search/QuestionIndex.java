package io.quorum.pairscoring.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The known questions of one embedder in a Lucene HNSW vector index (cosine similarity), kept in memory and rebuilt
 * from the compacted {@code quorum.questions.embedded} topic on start. Re-adding a question id replaces it. The
 * vectors are also kept by id, for re-scoring candidates with the pair model.
 */
public final class QuestionIndex implements AutoCloseable {

    /** A known question. */
    public record Entry(String id, String text, float[] vector) {
    }

    /** A nearest neighbour with its cosine similarity. */
    public record Hit(Entry entry, double similarity) {
    }

    private static final String ID = "id";
    private static final String VECTOR = "vector";

    private final int dimension;
    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private DirectoryReader reader;
    private boolean dirty;

    public QuestionIndex(int dimension) {
        this.dimension = dimension;
        try {
            this.writer = new IndexWriter(dir, new IndexWriterConfig().setRAMBufferSizeMB(64));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        return entries.size();
    }

    /** Adds or replaces a question; zero vectors (nothing known about the text) are not indexed. */
    public synchronized boolean add(String id, String text, float[] vector) {
        if (vector.length != dimension) {
            throw new IllegalArgumentException("vector length " + vector.length + " != index dimension " + dimension);
        }
        double norm = 0;
        for (float f : vector) {
            norm += f * f;
        }
        if (norm == 0 || !Double.isFinite(norm)) {
            return false;
        }
        Document d = new Document();
        d.add(new StringField(ID, id, Field.Store.YES));
        d.add(new KnnFloatVectorField(VECTOR, vector, VectorSimilarityFunction.COSINE));
        try {
            writer.updateDocument(new Term(ID, id), d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        entries.put(id, new Entry(id, text, vector));
        dirty = true;
        return true;
    }

    public Entry get(String id) {
        return entries.get(id);
    }

    /** The {@code k} nearest known questions to {@code vector}, best first, without {@code excludeId}. */
    public synchronized List<Hit> nearest(float[] vector, int k, String excludeId) {
        if (entries.isEmpty()) {
            return List.of();
        }
        try {
            refresh();
            IndexSearcher searcher = new IndexSearcher(reader);
            TopDocs top = searcher.search(new KnnFloatVectorQuery(VECTOR, vector, k + 1), k + 1);
            List<Hit> hits = new ArrayList<>();
            for (ScoreDoc sd : top.scoreDocs) {
                String id = searcher.storedFields().document(sd.doc).get(ID);
                if (id.equals(excludeId)) {
                    continue;
                }
                Entry e = entries.get(id);
                if (e != null && hits.size() < k) {
                    // Lucene's cosine score is (1 + cos) / 2
                    hits.add(new Hit(e, 2 * sd.score - 1));
                }
            }
            return hits;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void refresh() throws IOException {
        if (reader == null) {
            writer.commit();
            reader = DirectoryReader.open(writer);
            dirty = false;
        } else if (dirty) {
            DirectoryReader next = DirectoryReader.openIfChanged(reader, writer);
            if (next != null) {
                reader.close();
                reader = next;
            }
            dirty = false;
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (reader != null) {
                reader.close();
            }
            writer.close();
            dir.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
