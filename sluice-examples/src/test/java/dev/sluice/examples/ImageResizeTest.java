package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ImageResizeTest {

    private static final ImageResize.Settings SMALL = ImageResize.Settings.defaults().withSlots(8, 2)
            .withReadBudget(Duration.ofSeconds(2));

    @Test
    void resizesRealPngAndJpegImagesToTheRequestedWidth() throws Exception {
        try (ImageResize service = new ImageResize(SMALL); var client = new ImageResizeDemo.Client(service.port())) {
            for (String format : List.of("png", "jpeg")) {
                HttpResponse<byte[]> r = client.post("/resize?width=300", ImageResize.sampleImage(1200, 800, format));
                assertThat(r.statusCode()).as(format).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("image/jpeg");
                BufferedImage out = ImageIO.read(new ByteArrayInputStream(r.body()));
                assertThat(out.getWidth()).isEqualTo(300);
                assertThat(out.getHeight()).isEqualTo(200);
            }
            assertThat(service.resized()).isEqualTo(2);
        }
    }

    @Test
    void oversizedUploadsAndDecompressionBombsGet413WithoutUsingACpuSlot() throws Exception {
        try (ImageResize service = new ImageResize(SMALL); var client = new ImageResizeDemo.Client(service.port())) {
            assertThat(ImageResizeDemo.status(ImageResizeDemo.declaredUpload(service.port(), 11 << 20))).isEqualTo(413);
            assertThat(service.admissionStats().rejectedBodyTooLarge()).isEqualTo(1);
            assertThat(service.admissionStats().admitted()).isZero();
            HttpResponse<byte[]> bomb = client.post("/resize", ImageResizeDemo.bomb());
            assertThat(bomb.statusCode()).isEqualTo(413);
            assertThat(ImageResize.utf8(bomb.body())).contains("48000000 pixels");
            assertThat(service.resized()).isZero();
        }
    }

    @Test
    void slowUploadsCannotStarveTheCpuSlots() throws Exception {
        try (ImageResize service = new ImageResize(SMALL); var client = new ImageResizeDemo.Client(service.port())) {
            byte[] png = ImageResize.sampleImage(800, 600, "png");
            int slow = 6; // three times the CPU slots
            List<Thread> uploaders = new ArrayList<>();
            List<AtomicReference<String>> answers = new ArrayList<>();
            for (int i = 0; i < slow; i++) {
                AtomicReference<String> answer = new AtomicReference<>();
                answers.add(answer);
                uploaders.add(Thread.ofVirtual().start(() -> answer.set(
                        ImageResizeDemo.slowUpload(service.port(), 100_000, Duration.ofMillis(50), Duration.ofSeconds(20)))));
            }
            // Once all six are sending, none of them holds a slot of either kind...
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (service.admissionStats().requests() < slow) {
                assertThat(System.nanoTime()).as("the slow uploads reached the server").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            assertThat(service.admissionStats().inflight()).isZero();
            assertThat(service.cpuInflight()).isZero();
            // ...and while they dribble, fast requests are served.
            for (int i = 0; i < 8; i++) {
                assertThat(client.post("/resize?width=100", png).statusCode()).isEqualTo(200);
            }
            for (Thread t : uploaders) {
                assertThat(t.join(Duration.ofSeconds(30))).isTrue();
            }
            for (AtomicReference<String> a : answers) {
                assertThat(ImageResizeDemo.status(a.get())).as(a.get()).isEqualTo(408);
            }
            assertThat(service.admissionStats().rejectedReadTimeout()).isEqualTo(slow);
            assertThat(service.admissionStats().admitted()).as("only the fast requests were ever admitted").isEqualTo(8);
        }
    }

    @Test
    void badRequestsGetClearErrorsAndChangeNothing() throws Exception {
        try (ImageResize service = new ImageResize(SMALL); var client = new ImageResizeDemo.Client(service.port())) {
            HttpResponse<byte[]> notImage = client.post("/resize", "hello".getBytes());
            assertThat(notImage.statusCode()).isEqualTo(400);
            assertThat(ImageResize.utf8(notImage.body())).contains("not a PNG or JPEG");
            byte[] png = ImageResize.sampleImage(100, 100, "png");
            byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);
            assertThat(client.post("/resize", truncated).statusCode()).isEqualTo(400);
            assertThat(client.post("/resize?width=0", png).statusCode()).isEqualTo(400);
            assertThat(client.post("/resize?width=abc", png).statusCode()).isEqualTo(400);
            assertThat(client.get("/resize").statusCode()).isEqualTo(405);
            assertThat(client.get("/nope").statusCode()).isEqualTo(404);
            assertThat(service.resized()).isZero();
        }
    }

    @Test
    void drainFinishesTheRequestsInFlightAndRefusesNewOnes() throws Exception {
        CountDownLatch inResize = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        ImageResize.Settings held = SMALL.withBeforeResize(() -> {
            inResize.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ImageResize service = new ImageResize(held);
        byte[] png = ImageResize.sampleImage(400, 300, "png");
        AtomicInteger ok = new AtomicInteger();
        List<Thread> inFlight = new ArrayList<>();
        try (var client = new ImageResizeDemo.Client(service.port())) {
            for (int i = 0; i < 2; i++) {
                inFlight.add(Thread.ofVirtual().start(() -> {
                    try {
                        if (client.post("/resize?width=50", png).statusCode() == 200) {
                            ok.incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            assertThat(inResize.await(20, TimeUnit.SECONDS)).isTrue();
            AtomicReference<Boolean> clean = new AtomicReference<>();
            Thread drainer = Thread.ofVirtual().start(() -> {
                try {
                    clean.set(service.drain(Duration.ofSeconds(20)));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            // Draining has begun once new work is refused; the two in flight are still held.
            int status;
            do {
                try (var fresh = new ImageResizeDemo.Client(service.port())) {
                    status = fresh.post("/resize", png).statusCode();
                }
            } while (status != 503);
            assertThat(service.refusedWhileDraining()).isPositive();
            release.countDown();
            for (Thread t : inFlight) {
                assertThat(t.join(Duration.ofSeconds(20))).isTrue();
            }
            assertThat(drainer.join(Duration.ofSeconds(20))).isTrue();
            assertThat(ok.get()).isEqualTo(2);
            assertThat(clean.get()).isTrue();
        }
    }

    @Test
    void theExampleShowsEachSituationsAnswer() throws Exception {
        ExampleRun r = ExampleRun.of("image-resize", "--slow", "4", "--burst", "30", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        assertThat(r.number("10_resizes_one_at_a_time.ok")).isEqualTo(10);
        assertThat(r.number("30_at_once_8_I_O_2_CPU_slots_.503")).as("a burst past the slots is shed").isPositive();
        assertThat(r.number("30_at_once_8_I_O_2_CPU_slots_.other")).isZero();
        assertThat(r.number("10_fast_requests_beside_4_slow_uploads.ok")).isEqualTo(10);
        assertThat(r.number("4_slow_uploads_themselves.408")).isEqualTo(4);
        assertThat(r.number("an_11_MiB_upload.413")).isEqualTo(1);
    }
}
