package io.quorum.training.selfai;

import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a Selfai scorer: a small Tiny-Darknet-style stack (3x3 convolutions alternating with 1x1
 * "squeeze" convolutions, 2x2 max pooling), ELU after every convolution, no batch normalisation, then a global
 * average pool over the last feature maps (the features) and a head (Siamese loss, or a linear score with Huber loss).
 *
 * @param size   input side S (crops are S x S RGB)
 * @param blocks the convolution and pooling blocks, in order
 */
public record TinyDarknet(int size, List<Block> blocks) {

    /** A block of the stack. */
    public sealed interface Block permits Conv, Pool {
    }

    /** A convolution ({@code kernel} x {@code kernel}, stride 1, "same" padding, ELU) with {@code out} channels. */
    public record Conv(int out, int kernel, int dilation) implements Block {
        public Conv {
            if (out < 1 || kernel < 1 || kernel % 2 == 0 || dilation < 1) {
                throw new IllegalArgumentException("conv needs out >= 1, an odd kernel and dilation >= 1");
            }
        }

        Conv withOut(int n) {
            return new Conv(n, kernel, dilation);
        }
    }

    /** 2x2 max pooling, stride 2. */
    public record Pool() implements Block {
    }

    public TinyDarknet {
        blocks = List.copyOf(blocks);
        int s = size;
        for (Block b : blocks) {
            if (b instanceof Pool) {
                if (s % 2 != 0) {
                    throw new IllegalArgumentException("input side " + size + " does not halve evenly at every pool");
                }
                s /= 2;
            }
        }
        if (blocks.stream().noneMatch(b -> b instanceof Conv)) {
            throw new IllegalArgumentException("no convolution");
        }
    }

    /**
     * The base network (width {@code w}, i.e. the first convolution's channels), modelled on Tiny Darknet's
     * 16-32-(16,128)x2-... progression, scaled to small crops: conv3 w, pool, conv3 2w, pool, conv1 w, conv3 4w, pool,
     * conv1 2w, conv3 8w, pool, conv1 4w (the features). {@code dilation} applies to the two deepest 3x3 convolutions
     * (1: plain), widening their receptive field without more weights.
     */
    public static TinyDarknet base(int size, int w, int dilation) {
        List<Block> b = new ArrayList<>();
        b.add(new Conv(w, 3, 1));
        b.add(new Pool());
        b.add(new Conv(2 * w, 3, 1));
        b.add(new Pool());
        b.add(new Conv(w, 1, 1));
        b.add(new Conv(4 * w, 3, dilation));
        b.add(new Pool());
        b.add(new Conv(2 * w, 1, 1));
        b.add(new Conv(8 * w, 3, dilation));
        b.add(new Pool());
        b.add(new Conv(4 * w, 1, 1));
        return new TinyDarknet(size, b);
    }

    public Conv conv(int block) {
        return (Conv) blocks.get(block);
    }

    /** The index of the last convolution (its pooled output are the features). */
    public int lastConv() {
        for (int i = blocks.size() - 1; i >= 0; i--) {
            if (blocks.get(i) instanceof Conv) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    /** The next convolution after block {@code i}, or -1. */
    public int nextConv(int i) {
        for (int j = i + 1; j < blocks.size(); j++) {
            if (blocks.get(j) instanceof Conv) {
                return j;
            }
        }
        return -1;
    }

    /** Input channels of block {@code i}'s convolution. */
    public int inChannels(int i) {
        for (int j = i - 1; j >= 0; j--) {
            if (blocks.get(j) instanceof Conv c) {
                return c.out();
            }
        }
        return 3;
    }

    /** The feature dimension (channels of the last convolution). */
    public int features() {
        return conv(lastConv()).out();
    }

    /** The side of the last feature maps (the global pool's window). */
    public int finalSide() {
        return size >> (int) blocks.stream().filter(b -> b instanceof Pool).count();
    }

    /** These blocks with {@code i} replaced. */
    TinyDarknet with(int i, Block b) {
        List<Block> l = new ArrayList<>(blocks);
        l.set(i, b);
        return new TinyDarknet(size, l);
    }

    /** These blocks with {@code b} inserted after block {@code i}. */
    TinyDarknet inserting(int i, Block b) {
        List<Block> l = new ArrayList<>(blocks);
        l.add(i + 1, b);
        return new TinyDarknet(size, l);
    }

    /** Multiply-accumulates of one forward pass per image (convolutions only). */
    public long macs() {
        long s = size;
        long total = 0;
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i) instanceof Pool) {
                s /= 2;
            } else {
                Conv c = conv(i);
                total += s * s * (long) c.kernel() * c.kernel() * inChannels(i) * c.out();
            }
        }
        return total;
    }

    /** e.g. {@code 64px: c3x8 p c3x16 p c1x8 c3x32d2 ...}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(size + "px:");
        for (Block b : blocks) {
            if (b instanceof Conv c) {
                sb.append(" c").append(c.kernel()).append('x').append(c.out());
                if (c.dilation() > 1) {
                    sb.append('d').append(c.dilation());
                }
            } else {
                sb.append(" p");
            }
        }
        return sb.append(" gap").toString();
    }
}
