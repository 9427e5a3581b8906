package dev.sluice.bench.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts the commands clients send to Redis, with MONITOR: a line per command, where commands run inside
 * a script are marked {@code [0 lua]} and are not counted. For operations made one after another by one
 * thread, commands per operation is round trips per operation.
 */
final class RoundTrips {
    private RoundTrips() { }

    static double perOp(int port, RedisBench.Op op, int n) throws Exception {
        AtomicLong count = new AtomicLong();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            if (!"+OK".equals(in.readLine())) {
                throw new IOException("MONITOR refused");
            }
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        int b = line.indexOf('[');
                        if (b >= 0 && !line.startsWith("lua]", line.indexOf(' ', b) + 1)) {
                            count.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // socket closed
                }
            });
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            long before = count.get(); // background traffic (e.g. pings) seen before the run
            for (int i = 0; i < n; i++) {
                op.run();
            }
            // MONITOR lines trail the replies a little; wait until the count stops moving (bounded).
            long last = -1;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (count.get() != last && System.nanoTime() - end < 0) {
                last = count.get();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            double r = (count.get() - before) / (double) n;
            s.close();
            reader.join(1000);
            return r;
        }
    }
}
