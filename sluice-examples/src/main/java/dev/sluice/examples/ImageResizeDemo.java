package dev.sluice.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives {@link ImageResize} through the situations of the guide's case study and prints what each got:
 * normal resizes, a burst past the CPU slots, slow uploads next to fast requests, an oversized upload, a
 * decompression bomb, and a graceful drain with requests in flight. Also the client side used by the
 * example's test.
 */
final class ImageResizeDemo {

    /** What one situation got: counts of each status. */
    record Outcome(String situation, int sent, int ok, int busy503, int tooLarge413, int slow408, int other) {
    }

    /** A small HTTP client with a bounded executor, for loopback only. */
    static final class Client implements AutoCloseable {
        private final ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(1024), new ThreadPoolExecutor.CallerRunsPolicy());
        private final HttpClient http = HttpClient.newBuilder().executor(executor).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final int port;

        Client(int port) {
            this.port = port;
        }

        HttpResponse<byte[]> post(String pathAndQuery, byte[] body) throws IOException, InterruptedException {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        }

        HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(20)).GET().build();
            return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        }

        @Override
        public void close() {
            http.shutdownNow();
            executor.shutdownNow();
        }
    }

    /**
     * A slow sender over a raw socket: declares {@code length} bytes and sends one every {@code gap}, then
     * returns the status line the server answered with (or the failure).
     */
    static String slowUpload(int port, int length, Duration gap, Duration giveUp) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout((int) giveUp.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("POST /resize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: " + length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            long end = System.nanoTime() + giveUp.toNanos();
            for (int i = 0; i < length && System.nanoTime() < end; i++) {
                try {
                    out.write(0x42);
                    out.flush();
                } catch (IOException closedByServer) {
                    break; // the server gave up on us: read its answer
                }
                if (in.available() > 0) {
                    break;
                }
                LockSupport.parkNanos(gap.toNanos()); // the slow network being simulated
            }
            byte[] head = in.readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        }
    }

    /**
     * Declares a body of {@code length} bytes and sends it as fast as the server takes it, stopping as soon
     * as the server answers or closes; returns the status line, and how much of the body it had to send.
     */
    static String declaredUpload(int port, int length) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /resize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: " + length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] chunk = new byte[64 << 10];
            for (int sent = 0; sent < length && in.available() == 0; sent += chunk.length) {
                try {
                    out.write(chunk, 0, Math.min(chunk.length, length - sent));
                } catch (IOException closedByServer) {
                    break; // refused early: the server stopped reading
                }
            }
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        }
    }

    static int status(String statusLine) {
        String[] p = statusLine.split(" ");
        try {
            return p.length >= 2 ? Integer.parseInt(p[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Outcome tally(String situation, List<Integer> statuses) {
        int ok = 0, busy = 0, large = 0, slow = 0, other = 0;
        for (int s : statuses) {
            switch (s) {
                case 200 -> ok++;
                case 503 -> busy++;
                case 413 -> large++;
                case 408 -> slow++;
                default -> other++;
            }
        }
        return new Outcome(situation, statuses.size(), ok, busy, large, slow, other);
    }

    /** Sends {@code n} requests at once from virtual threads and collects their statuses. */
    static List<Integer> burst(Client client, int n, byte[] image) throws InterruptedException {
        AtomicIntegerArray statuses = new AtomicIntegerArray(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    statuses.set(k, client.post("/resize?width=320", image).statusCode());
                } catch (IOException | InterruptedException e) {
                    statuses.set(k, -1);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(60));
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(statuses.get(i));
        }
        return out;
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Flags f = new Flags("image-resize")
                .declare("slow", 6, "slow uploaders (one byte every 50 ms)")
                .declare("burst", 40, "requests sent at once in the burst");
        int slow;
        int burstSize;
        try {
            f.parse(args);
            slow = f.positiveInt("slow");
            burstSize = f.positiveInt("burst");
        } catch (IllegalArgumentException e) {
            err.println("image-resize: " + e.getMessage());
            err.println(f.usage());
            return 2;
        }
        if (f.help()) {
            out.println(f.usage());
            return 0;
        }
        byte[] png = ImageResize.sampleImage(1600, 1200, "png");
        List<Outcome> outcomes = new ArrayList<>();
        ImageResize.Settings settings = ImageResize.Settings.defaults().withSlots(8, 2).withReadBudget(Duration.ofSeconds(2));
        // The server closes connections idle for longer than the read budget; each situation gets a new
        // client so that none reuses a connection the server has already closed.
        try (ImageResize service = new ImageResize(settings)) {
            List<Integer> normal = new ArrayList<>();
            try (Client client = new Client(service.port())) {
                for (int i = 0; i < 10; i++) {
                    normal.add(client.post("/resize?width=320", png).statusCode());
                }
            }
            outcomes.add(tally("10 resizes, one at a time", normal));
            try (Client client = new Client(service.port())) {
                outcomes.add(tally(burstSize + " at once (8 I/O, 2 CPU slots)", burst(client, burstSize, png)));
            }

            // Slow uploads next to fast requests: the slow ones never reach a slot.
            List<Thread> slowThreads = new ArrayList<>();
            AtomicIntegerArray slowStatus = new AtomicIntegerArray(slow);
            AtomicInteger maxCpuDuringSlow = new AtomicInteger();
            for (int i = 0; i < slow; i++) {
                int k = i;
                slowThreads.add(Thread.ofVirtual().start(() -> slowStatus.set(k,
                        status(slowUpload(service.port(), 100_000, Duration.ofMillis(50), Duration.ofSeconds(20))))));
            }
            List<Integer> fast = new ArrayList<>();
            try (Client client = new Client(service.port())) {
                for (int i = 0; i < 10; i++) {
                    maxCpuDuringSlow.accumulateAndGet(service.cpuInflight(), Math::max);
                    fast.add(client.post("/resize?width=320", png).statusCode());
                }
            }
            outcomes.add(tally("10 fast requests beside " + slow + " slow uploads", fast));
            for (Thread t : slowThreads) {
                t.join(Duration.ofSeconds(30));
            }
            List<Integer> slowStatuses = new ArrayList<>();
            for (int i = 0; i < slow; i++) {
                slowStatuses.add(slowStatus.get(i));
            }
            outcomes.add(tally(slow + " slow uploads themselves", slowStatuses));

            outcomes.add(tally("an 11 MiB upload", List.of(status(declaredUpload(service.port(), 11 << 20)))));
            byte[] bomb = bomb();
            String stats;
            try (Client client = new Client(service.port())) {
                outcomes.add(tally("a " + bomb.length / 1024 + " KiB PNG of 48 megapixels",
                        List.of(client.post("/resize", bomb).statusCode())));
                stats = ImageResize.utf8(client.get("/stats").body());
            }
            if (f.machine()) {
                for (Outcome o : outcomes) {
                    String k = o.situation().replaceAll("[^a-zA-Z0-9]+", "_");
                    out.printf(Locale.ROOT, "%s.ok=%d%n%s.503=%d%n%s.413=%d%n%s.408=%d%n%s.other=%d%n", k, o.ok(), k,
                            o.busy503(), k, o.tooLarge413(), k, o.slow408(), k, o.other());
                }
                out.printf(Locale.ROOT, "cpuInflightSeenDuringSlowUploads=%d%n", maxCpuDuringSlow.get());
                return 0;
            }
            out.printf(Locale.ROOT, "%-44s %5s %5s %5s %5s %5s %6s%n", "situation", "sent", "200", "503", "413", "408", "other");
            for (Outcome o : outcomes) {
                out.printf(Locale.ROOT, "%-44s %5d %5d %5d %5d %5d %6d%n", o.situation(), o.sent(), o.ok(), o.busy503(),
                        o.tooLarge413(), o.slow408(), o.other());
            }
            out.printf(Locale.ROOT, "%nCPU permits held by the slow uploads: none (at most %d in use while they dribbled,"
                    + " all by fast requests).%n%nGET /stats:%n%s", maxCpuDuringSlow.get(), stats);
        }
        return 0;
    }

    /** A PNG that is small on the wire and huge once decoded: 8000 x 6000 pixels of one colour. */
    static byte[] bomb() throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8000, 6000,
                java.awt.image.BufferedImage.TYPE_BYTE_BINARY);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private ImageResizeDemo() {
    }
}
