package io.quorum.shared.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Base64FloatsTest {

    @Test
    void matchesTheJdkCodecForEveryLengthAndSpecialValues() {
        Random rnd = new Random(3);
        for (int n = 0; n < 40; n++) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (i % 7) {
                    case 0 -> Float.NaN;
                    case 1 -> Float.NEGATIVE_INFINITY;
                    case 2 -> -0f;
                    case 3 -> Float.MIN_VALUE;
                    default -> (float) rnd.nextGaussian() * 1e3f;
                };
            }
            ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(v);
            String jdk = Base64.getEncoder().encodeToString(buf.array());
            char[] ours = Base64Floats.encode(v);
            assertThat(new String(ours)).isEqualTo(jdk);
            float[] back = Base64Floats.decode(jdk.toCharArray(), 0, jdk.length());
            assertThat(back.length).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(v[i]));
            }
        }
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> Base64Floats.decode("AAA".toCharArray(), 0, 3)).hasMessageContaining("multiple of 4");
        assertThatThrownBy(() -> Base64Floats.decode("AAAAA!==".toCharArray(), 0, 8)).hasMessageContaining("not valid base64");
        assertThatThrownBy(() -> Base64Floats.decode("AAAA".toCharArray(), 0, 4)).hasMessageContaining("3 bytes");
    }
}
