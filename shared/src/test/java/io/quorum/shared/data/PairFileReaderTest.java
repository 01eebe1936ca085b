package io.quorum.shared.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class PairFileReaderTest {

    @Test
    void readsQqpCsvWithQuotesCommasAndNewlines() throws IOException {
        String csv = "\"id\",\"qid1\",\"qid2\",\"question1\",\"question2\",\"is_duplicate\"\r\n"
                + "\"0\",\"1\",\"2\",\"What is \"\"AI\"\", really?\",\"What is AI?\",\"1\"\r\n"
                + "1,3,4,\"How do I learn,\nfast?\",How to learn quickly?,0\n"
                + "2,5,6,,empty left,0\n"
                + "3,7,8,a,b,maybe\n";
        PairFileReader.Result r = PairFileReader.parse(csv, PairFileReader.Format.AUTO, "t");
        assertThat(r.format()).isEqualTo(PairFileReader.Format.QQP);
        assertThat(r.pairs()).hasSize(2);
        assertThat(r.pairs().get(0).left()).isEqualTo("What is \"AI\", really?");
        assertThat(r.pairs().get(0).label()).isEqualTo(1);
        assertThat(r.pairs().get(1).left()).isEqualTo("How do I learn,\nfast?");
        assertThat(r.pairs().get(1).leftId()).isEqualTo("3");
        assertThat(r.skipped()).isEqualTo(2);
        assertThat(r.skipReasons()).anyMatch(s -> s.contains("empty")).anyMatch(s -> s.contains("label"));
    }

    @Test
    void readsGlueQqpTsv() throws IOException {
        String tsv = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n7\t1\t2\tA \"quoted\" q?\tB?\t0\n";
        PairFileReader.Result r = PairFileReader.parse(tsv, PairFileReader.Format.QQP, "t");
        assertThat(r.pairs()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("7");
            assertThat(p.left()).isEqualTo("A \"quoted\" q?");
        });
    }

    @Test
    void readsQuoraTsvWhoseQuotedQuestionsHoldNewlinesTabsAndQuotes() throws IOException {
        String tsv = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
                + "0\t1\t2\t\"What is \"\"X\"\"?\"\tWhat is X?\t1\n"
                + "1\t3\t4\t\"Line one\nline two\twith a tab?\"\tOther?\t0\n"
                + "2\t5\t6\tPlain?\tAlso plain?\t0\n";
        PairFileReader.Result r = PairFileReader.parse(tsv, PairFileReader.Format.AUTO, "t");
        assertThat(r.skipped()).isZero();
        assertThat(r.pairs()).extracting(LabeledPair::left)
                .containsExactly("What is \"X\"?", "Line one\nline two\twith a tab?", "Plain?");
        assertThat(r.pairs()).extracting(LabeledPair::label).containsExactly(1, 0, 0);
    }

    @Test
    void glueTsvWithAnUnbalancedLeadingQuoteKeepsItsQuotesLiteral() throws IOException {
        String tsv = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
                + "0\t1\t2\t\"Inception is a good film?\tIs Inception good?\t1\n"
                + "1\t3\t4\tPlain?\tAlso plain?\t0\n";
        PairFileReader.Result r = PairFileReader.parse(tsv, PairFileReader.Format.QQP, "t");
        assertThat(r.skipped()).isZero();
        assertThat(r.pairs()).extracting(LabeledPair::left).containsExactly("\"Inception is a good film?", "Plain?");
    }

    @Test
    void readsMrpcWithBomCrlfAndLiteralQuotes() throws IOException {
        String mrpc = "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"
                + "1\t702876\t702977\tAmrozi accused his brother, whom he called \"the witness\".\tReferring to him as only \"the witness\".\r\n"
                + "0\t2108705\t2108831\tYucaipa owned Dominick's\tYucaipa bought Dominick's\r\n";
        PairFileReader.Result r = PairFileReader.parse(mrpc, PairFileReader.Format.AUTO, "t");
        assertThat(r.format()).isEqualTo(PairFileReader.Format.MRPC);
        assertThat(r.pairs()).hasSize(2);
        assertThat(r.pairs().get(0).left()).contains("\"the witness\"");
        assertThat(r.pairs().get(1).label()).isZero();
    }

    @Test
    void unknownHeaderIsAClearError() {
        assertThatThrownBy(() -> PairFileReader.parse("a,b,c\n1,2,3\n", PairFileReader.Format.AUTO, "f.csv"))
                .hasMessageContaining("cannot tell the format");
    }
}
