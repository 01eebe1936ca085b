package io.quorum.shared.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads labelled question/sentence pairs in the layouts Quorum accepts:
 * <ul>
 *   <li>{@link Format#QQP}: Quora Question Pairs, header {@code id,qid1,qid2,question1,question2,is_duplicate}, as
 *       RFC 4180 CSV (quoted fields may hold commas, quotes and newlines), as Quora's TSV (the same quoting, tab
 *       separated) or as the GLUE TSV (quotes literal): see {@link #qqpTsv};</li>
 *   <li>{@link Format#MRPC}: Microsoft Research Paraphrase Corpus TSV, header
 *       {@code Quality, #1 ID, #2 ID, #1 String, #2 String}; quotes are literal characters.</li>
 * </ul>
 * A UTF-8 BOM and CRLF line ends are accepted. Rows that cannot be used (wrong field count, bad label, empty text)
 * are skipped and counted in {@link Result#skipped()}.
 */
public final class PairFileReader {

    /** File layouts. */
    public enum Format {
        /** Detect from the header line. */
        AUTO, QQP, MRPC;

        public static Format parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** The pairs read, and how many rows were skipped with the first few reasons. */
    public record Result(List<LabeledPair> pairs, Format format, int skipped, List<String> skipReasons) {
    }

    private PairFileReader() {
    }

    public static Result read(Path file, Format format) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return parse(text, format, file.toString());
    }

    public static Result parse(String text, Format format, String what) throws IOException {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        int firstLineEnd = text.indexOf('\n');
        String header = (firstLineEnd < 0 ? text : text.substring(0, firstLineEnd)).replace("\r", "");
        Format detected = detect(header);
        if (format == Format.AUTO) {
            if (detected == null) {
                throw new IOException(what + ": cannot tell the format from the header '" + abbreviate(header)
                        + "'; expected QQP (id,qid1,qid2,question1,question2,is_duplicate) or MRPC (Quality, #1 ID, ...)");
            }
            format = detected;
        }
        boolean tsv = header.contains("\t");
        List<List<String>> rows = format == Format.MRPC ? splitTsv(text) : tsv ? qqpTsv(text) : splitCsv(text);
        if (rows.isEmpty()) {
            throw new IOException(what + ": empty file");
        }
        List<String> head = rows.get(0);
        List<LabeledPair> pairs = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        int skipped = 0;
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() == 1 && row.get(0).isEmpty()) {
                continue; // blank line
            }
            try {
                pairs.add(format == Format.MRPC ? mrpc(row, r) : qqp(row, head));
            } catch (IllegalArgumentException e) {
                skipped++;
                if (reasons.size() < 10) {
                    reasons.add("row " + (r + 1) + ": " + e.getMessage());
                }
            }
        }
        return new Result(List.copyOf(pairs), format, skipped, List.copyOf(reasons));
    }

    static Format detect(String header) {
        String h = header.toLowerCase(Locale.ROOT);
        if (h.contains("question1") && h.contains("question2") && h.contains("is_duplicate")) {
            return Format.QQP;
        }
        if (h.startsWith("quality") && h.contains("#1 string")) {
            return Format.MRPC;
        }
        return null;
    }

    private static LabeledPair mrpc(List<String> row, int r) {
        if (row.size() != 5) {
            throw new IllegalArgumentException("expected 5 tab-separated fields, found " + row.size());
        }
        int label = label(row.get(0));
        String left = row.get(3).trim();
        String right = row.get(4).trim();
        if (left.isEmpty() || right.isEmpty()) {
            throw new IllegalArgumentException("empty sentence");
        }
        return new LabeledPair(Integer.toString(r), row.get(1).trim(), row.get(2).trim(), left, right, label);
    }

    private static LabeledPair qqp(List<String> row, List<String> head) {
        int id = indexOf(head, "id");
        int q1 = indexOf(head, "qid1");
        int q2 = indexOf(head, "qid2");
        int t1 = indexOf(head, "question1");
        int t2 = indexOf(head, "question2");
        int lab = indexOf(head, "is_duplicate");
        int needed = Math.max(Math.max(Math.max(id, q1), Math.max(q2, t1)), Math.max(t2, lab)) + 1;
        if (row.size() < needed) {
            throw new IllegalArgumentException("expected " + head.size() + " fields, found " + row.size());
        }
        String left = row.get(t1).trim();
        String right = row.get(t2).trim();
        if (left.isEmpty() || right.isEmpty()) {
            throw new IllegalArgumentException("empty question");
        }
        return new LabeledPair(row.get(id).trim(), q1 < 0 ? null : row.get(q1).trim(), q2 < 0 ? null : row.get(q2).trim(),
                left, right, lab < 0 ? -1 : label(row.get(lab)));
    }

    private static int indexOf(List<String> head, String name) {
        for (int i = 0; i < head.size(); i++) {
            if (head.get(i).trim().equalsIgnoreCase(name)) {
                return i;
            }
        }
        if (name.equals("qid1") || name.equals("qid2") || name.equals("is_duplicate")) {
            return -1;
        }
        throw new IllegalArgumentException("header lacks column '" + name + "'");
    }

    private static int label(String s) {
        String t = s.trim();
        if (t.equals("1")) {
            return 1;
        }
        if (t.equals("0")) {
            return 0;
        }
        throw new IllegalArgumentException("label must be 0 or 1, got '" + abbreviate(t) + "'");
    }

    static List<List<String>> splitTsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : text.split("\r?\n", -1)) {
            if (line.isEmpty() && rows.size() > 0) {
                continue;
            }
            rows.add(List.of(line.split("\t", -1)));
        }
        return rows;
    }

    /**
     * QQP as TSV comes two ways: Quora's own file, written with CSV quoting (a question holding a quote, tab or newline
     * is quoted, quotes doubled), and the GLUE file, whose quotes are literal characters. Both splits are tried; the one
     * with fewer rows of the wrong width wins (the quoted one on a tie).
     */
    static List<List<String>> qqpTsv(String text) {
        List<List<String>> literal = splitTsv(text);
        List<List<String>> quoted;
        try {
            quoted = splitDelimited(text, '\t');
        } catch (IOException e) {
            return literal; // an unterminated quote: the quotes are literal
        }
        return badRows(quoted) <= badRows(literal) ? quoted : literal;
    }

    private static long badRows(List<List<String>> rows) {
        if (rows.isEmpty()) {
            return 0;
        }
        int width = rows.get(0).size();
        return rows.stream().skip(1).filter(r -> r.size() != width && !(r.size() == 1 && r.get(0).isEmpty())).count();
    }

    /** RFC 4180: fields separated by commas, optionally quoted; "" inside quotes is a quote; quoted newlines kept. */
    static List<List<String>> splitCsv(String text) throws IOException {
        return splitDelimited(text, ',');
    }

    /** RFC 4180 with {@code delimiter} between fields. */
    static List<List<String>> splitDelimited(String text, char delimiter) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldStarted = false;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && !fieldStarted) {
                quoted = true;
                fieldStarted = true;
            } else if (c == delimiter) {
                row.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
                rows.add(row);
                row = new ArrayList<>();
            } else {
                field.append(c);
                fieldStarted = true;
            }
        }
        if (quoted) {
            throw new IOException("unterminated quoted field at end of file");
        }
        if (fieldStarted || !row.isEmpty() || field.length() > 0) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Reads from a reader (for streams); same rules as {@link #parse}. */
    public static Result read(Reader reader, Format format, String what) throws IOException {
        StringBuilder sb = new StringBuilder();
        char[] buf = new char[1 << 14];
        for (int k; (k = reader.read(buf)) > 0; ) {
            sb.append(buf, 0, k);
        }
        return parse(sb.toString(), format, what);
    }
}
