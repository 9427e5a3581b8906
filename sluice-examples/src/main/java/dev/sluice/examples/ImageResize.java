package dev.sluice.examples;

import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.http.AdmissionControl;
import dev.sluice.http.AdmissionStats;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The guide's image-resize service, rebuilt with every fix of its case study at once: {@code POST
 * /resize?width=N} takes a PNG or JPEG body and answers a resized JPEG.
 *
 * <ul>
 *   <li><b>Admission</b> ({@link AdmissionControl}, in front of everything): at most {@code ioSlots}
 *       requests in flight, a short wait for a slot (so a GC pause does not become a 503 storm), then
 *       {@code 503} with a {@code Retry-After} computed from the drain estimate;
 *   <li><b>body cap and read budget</b>: a body over 10 MiB is refused with {@code 413} before it is read,
 *       and the body is read, within its read budget, <em>before</em> any slot is taken, so slow uploads
 *       ({@code 408} when too slow) cannot pin the service;
 *   <li><b>separate CPU limit</b>: decoding, resizing and encoding take one of {@code cpuSlots} permits
 *       (one per core by default) from a {@link ConcurrencyLimiter}, waiting at most {@code cpuWait},
 *       so uploads and CPU work each get the limit that suits them;
 *   <li><b>decode budget</b>: the image's header is read first and an image of more than
 *       {@link #MAX_PIXELS} pixels is refused with {@code 413} before it is decoded (a small file can
 *       decode to gigabytes);
 *   <li><b>metrics</b>: {@code GET /stats} prints the admission counters, the CPU limiter and the
 *       service's own counters;
 *   <li><b>graceful drain</b>: {@link #close()} stops admitting ({@code 503}), lets the requests in flight
 *       finish, then stops the server.
 * </ul>
 *
 * <p>Run it with {@code ./sluice example image-resize}: it starts the service on loopback, drives it
 * through the case study's situations and prints what each one got.
 */
public final class ImageResize implements AutoCloseable {

    /** The largest decoded image accepted, in pixels (24 megapixels: about 96 MB as ARGB). */
    static final long MAX_PIXELS = 24_000_000L;
    /** The largest upload accepted. */
    static final int MAX_BODY_BYTES = 10 << 20;

    /** The service's settings; the defaults are the case study's, scaled to a small machine. */
    record Settings(int ioSlots, Duration admissionWait, int cpuSlots, Duration cpuWait, Duration readBudget,
                    Runnable beforeResize) {
        Settings {
            Objects.requireNonNull(admissionWait, "admissionWait");
            Objects.requireNonNull(cpuWait, "cpuWait");
            Objects.requireNonNull(readBudget, "readBudget");
            Objects.requireNonNull(beforeResize, "beforeResize");
        }

        static Settings defaults() {
            return new Settings(16, Duration.ofMillis(200), Runtime.getRuntime().availableProcessors(),
                    Duration.ofMillis(200), Duration.ofSeconds(5), () -> { });
        }

        Settings withReadBudget(Duration d) {
            return new Settings(ioSlots, admissionWait, cpuSlots, cpuWait, d, beforeResize);
        }

        Settings withBeforeResize(Runnable r) {
            return new Settings(ioSlots, admissionWait, cpuSlots, cpuWait, readBudget, r);
        }

        Settings withSlots(int io, int cpu) {
            return new Settings(io, admissionWait, cpu, cpuWait, readBudget, beforeResize);
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final AdmissionControl admission;
    private final ConcurrencyLimiter cpu;
    private final Settings settings;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final LongAdder resized = new LongAdder();
    private final LongAdder notAnImage = new LongAdder();
    private final LongAdder tooManyPixels = new LongAdder();
    private final LongAdder cpuBusy = new LongAdder();
    private final LongAdder refusedWhileDraining = new LongAdder();

    ImageResize(Settings settings) throws Exception {
        this.settings = settings;
        admission = AdmissionControl.builder().name("image-resize")
                .limit(settings.ioSlots()).waitBudget(settings.admissionWait())
                .maxBodyBytes(MAX_BODY_BYTES).bodyReadBudget(settings.readBudget())
                .serverBudget(Duration.ofSeconds(30)).build();
        cpu = ConcurrencyLimiter.builder().name("cpu").limit(settings.cpuSlots()).build();
        // A bounded thread pool with a bounded queue: Jetty's default queue would grow without limit.
        QueuedThreadPool threads = new QueuedThreadPool(64, 4, 30_000, new ArrayBlockingQueue<>(256));
        threads.setName("image-resize");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // A client that stops sending altogether is cut off here; one that dribbles, by the read budget.
        connector.setIdleTimeout(settings.readBudget().toMillis());
        server.addConnector(connector);
        server.setHandler(admission.jettyHandler(new App()));
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    AdmissionStats admissionStats() {
        return admission.stats();
    }

    /** CPU permits held now. */
    int cpuInflight() {
        return cpu.inflight();
    }

    long resized() {
        return resized.sum();
    }

    long refusedWhileDraining() {
        return refusedWhileDraining.sum();
    }

    /**
     * Drains: new requests get {@code 503} from now on, the requests in flight finish (waiting at most
     * {@code grace}), then the server stops. Returns true if nothing was still in flight at the end.
     */
    boolean drain(Duration grace) throws Exception {
        draining.set(true);
        long deadline = System.nanoTime() + grace.toNanos();
        // Requests counted in flight are the application's (this drain's) responsibility: wait for them.
        while (admission.stats().inflight() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        boolean clean = admission.stats().inflight() == 0;
        server.stop();
        admission.close();
        cpu.close();
        return clean;
    }

    @Override
    public void close() throws Exception {
        drain(Duration.ofSeconds(30));
    }

    private final class App extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = request.getHttpURI().getPath();
            if (path.equals("/stats")) {
                return text(response, callback, 200, stats());
            }
            if (!path.equals("/resize")) {
                return text(response, callback, 404, "no such route: " + path + "\n");
            }
            if (!request.getMethod().equals("POST")) {
                response.getHeaders().put(HttpHeader.ALLOW, "POST");
                return text(response, callback, 405, "use POST with an image body\n");
            }
            if (draining.get()) {
                refusedWhileDraining.increment();
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                return text(response, callback, 503, "draining for shutdown\n");
            }
            int width;
            try {
                String w = Request.extractQueryParameters(request).getValue("width");
                width = w == null ? 200 : Integer.parseInt(w);
                if (width < 1 || width > 4_000) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                return text(response, callback, 400, "width must be a whole number of pixels from 1 to 4000\n");
            }
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes(); // already read by admission control, within its cap and budget
            }
            Context ctx = AdmissionControl.jettyContext(request);
            Permit permit;
            try {
                permit = cpu.acquire(ctx.withTimeout(settings.cpuWait()));
            } catch (ContextDoneException e) {
                cpuBusy.increment();
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                return text(response, callback, 503, "all CPU slots busy\n");
            }
            try (permit) {
                settings.beforeResize().run();
                BufferedImage image;
                try {
                    image = decode(body);
                } catch (TooManyPixelsException e) {
                    tooManyPixels.increment();
                    return text(response, callback, 413, e.getMessage() + "\n");
                }
                if (image == null) {
                    notAnImage.increment();
                    return text(response, callback, 400, "the body is not a PNG or JPEG image\n");
                }
                byte[] jpeg = encode(resize(image, width));
                resized.increment();
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "image/jpeg");
                response.write(true, java.nio.ByteBuffer.wrap(jpeg), callback);
                return true;
            }
        }
    }

    private static boolean text(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, body, callback);
        return true;
    }

    /** Thrown when an image's header announces more pixels than {@link #MAX_PIXELS}. */
    static final class TooManyPixelsException extends Exception {
        TooManyPixelsException(long pixels) {
            super("the image has " + pixels + " pixels; at most " + MAX_PIXELS + " are accepted");
        }
    }

    /** Reads the header first, so that a decompression bomb is refused before its pixels exist. */
    static BufferedImage decode(byte[] body) throws IOException, TooManyPixelsException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(body))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new TooManyPixelsException(pixels);
                }
                return reader.read(0);
            } catch (javax.imageio.IIOException e) {
                return null; // a truncated or corrupt image: the caller answers 400
            } finally {
                reader.dispose();
            }
        }
    }

    static BufferedImage resize(BufferedImage in, int width) {
        int height = Math.max(1, (int) Math.round((double) in.getHeight() * width / in.getWidth()));
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(in, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    static byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "jpeg", out)) {
            throw new IOException("no JPEG writer");
        }
        return out.toByteArray();
    }

    private String stats() {
        AdmissionStats a = admission.stats();
        return String.format(Locale.ROOT, "admission requests=%d admitted=%d waited=%d rejected503=%d rejected413=%d"
                        + " rejected408=%d inflight=%d%ncpu limit=%d inflight=%d waiting=%d busy503=%d%n"
                        + "resized=%d notAnImage=%d tooManyPixels=%d refusedWhileDraining=%d%n",
                a.requests(), a.admitted(), a.waited(), a.rejectedBusy(), a.rejectedBodyTooLarge(), a.rejectedReadTimeout(),
                a.inflight(), cpu.limit(), cpu.inflight(), cpu.waiting(), cpuBusy.sum(), resized.sum(), notAnImage.sum(),
                tooManyPixels.sum(), refusedWhileDraining.sum());
    }

    /** A test image with real detail (gradients and stripes), encoded as {@code format} ("png" or "jpeg"). */
    static byte[] sampleImage(int width, int height, String format) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = x * 255 / Math.max(1, width - 1);
                int g = y * 255 / Math.max(1, height - 1);
                int b = ((x / 16 + y / 16) & 1) * 200;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
