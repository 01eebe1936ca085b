package io.quorum.shared.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    private static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt(0x0800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bos.toByteArray();
    }

    @Test
    void readsPlainAndGzippedFiles(@TempDir Path dir) throws IOException {
        byte[] data = {0, (byte) 255, 10, 20, 30, 40};
        byte[] bytes = idx(new int[] {3, 1, 2}, data);
        Path plain = Files.write(dir.resolve("x.idx"), bytes);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(bytes);
        }
        Path zipped = Files.write(dir.resolve("x.idx.gz"), gz.toByteArray());
        for (Path p : new Path[] {plain, zipped}) {
            IdxReader.IdxArray a = IdxReader.read(p);
            assertThat(a.count()).isEqualTo(3);
            assertThat(a.itemSize()).isEqualTo(2);
            assertThat(a.get(0, 1)).isEqualTo(255);
            assertThat(a.itemScaled(1)).containsExactly(10 / 255f, 20 / 255f);
        }
    }

    @Test
    void readsTheHeadOfAFileAndItsDeclaredCount(@TempDir Path dir) throws IOException {
        byte[] data = new byte[5 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 12);
        }
        byte[] bytes = idx(new int[] {5, 2, 2}, data);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(bytes);
        }
        Path zipped = Files.write(dir.resolve("x.idx.gz"), gz.toByteArray());
        IdxReader.IdxArray all = IdxReader.read(zipped);
        IdxReader.IdxArray head = IdxReader.read(zipped, 2);
        assertThat(head.dims()).containsExactly(2, 2, 2);
        assertThat(head.itemScaled(1)).containsExactly(all.itemScaled(1));
        assertThat(IdxReader.read(zipped, 9).count()).as("more than the file has: all of it").isEqualTo(5);
        assertThat(IdxReader.read(zipped, -1).count()).isEqualTo(5);
        assertThat(IdxReader.count(zipped)).isEqualTo(5);
        // every byte scales exactly as the division it replaces
        byte[] every = new byte[256];
        for (int b = 0; b < 256; b++) {
            every[b] = (byte) b;
        }
        float[] scaled = IdxReader.read(new ByteArrayInputStream(idx(new int[] {1, 256}, every)), "t").itemScaled(0);
        for (int b = 0; b < 256; b++) {
            assertThat(scaled[b]).isEqualTo(b / 255f);
        }
        // a head is read without the rest, so a file truncated after it still gives its head
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertThat(IdxReader.read(new ByteArrayInputStream(truncated), "t", 2).count()).isEqualTo(2);
        assertThatThrownBy(() -> IdxReader.read(new ByteArrayInputStream(truncated), "t")).hasMessageContaining("truncated");
    }

    @Test
    void readsFloat32ArraysExactly() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt(0x0D02);
        out.writeInt(2);
        out.writeInt(3);
        float[] v = {0f, 0.01875f, 1f, 0.3f, 0.7f, 1e-7f};
        for (float f : v) {
            out.writeFloat(f);
        }
        IdxReader.IdxArray a = IdxReader.read(new ByteArrayInputStream(bos.toByteArray()), "t");
        assertThat(a.type()).isEqualTo(IdxReader.FLOAT32);
        assertThat(a.count()).isEqualTo(2);
        assertThat(a.itemScaled(0)).containsExactly(0f, 0.01875f, 1f);
        assertThat(a.itemScaled(1)).containsExactly(0.3f, 0.7f, 1e-7f);
        assertThatThrownBy(() -> a.get(0, 0)).isInstanceOf(IllegalStateException.class);
        byte[] truncated = java.util.Arrays.copyOf(bos.toByteArray(), bos.size() - 2);
        assertThatThrownBy(() -> IdxReader.read(new ByteArrayInputStream(truncated), "t")).hasMessageContaining("truncated");
    }

    @Test
    void rejectsTruncatedAndForeignFiles() {
        assertThatThrownBy(() -> IdxReader.read(new ByteArrayInputStream(idx(new int[] {5, 2}, new byte[3])), "t"))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> IdxReader.read(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5}), "t"))
                .hasMessageContaining("not an IDX file");
    }
}
