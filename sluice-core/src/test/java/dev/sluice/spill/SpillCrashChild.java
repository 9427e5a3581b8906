package dev.sluice.spill;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The process {@link SpillCrashTest} kills. {@code produce <dir>}: sends 0, 1, 2, ... to a durable spill
 * channel and prints {@code ack <n> .} after each send returns. {@code consume <dir>}: receives and prints
 * {@code got <n> .} after each receive returns. Runs until killed (or until the channel ends).
 */
public final class SpillCrashChild {

    private SpillCrashChild() { }

    static SpillChannelBuilder<Long> builder(Path dir) {
        return SpillChannel.<Long>builder().directory(dir).serializer(Spills.longs(100)).memoryCapacity(64)
                .segmentSize(16 * 1024).diskQuota(256L << 20).fsync(true);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        SpillChannel<Long> ch = builder(Path.of(args[1])).build();
        out.println("open .");
        out.flush();
        if (args[0].equals("produce")) {
            for (long i = 0; i < 10_000_000; i++) {
                ch.send(i);
                out.println("ack " + i + " .");
                out.flush();
            }
        } else {
            for (long i = 0; i < 10_000_000; i++) {
                Long x = ch.receive(java.time.Duration.ofSeconds(30));
                if (x == null) {
                    break;
                }
                out.println("got " + x + " .");
                out.flush();
            }
        }
        ch.release();
    }
}
