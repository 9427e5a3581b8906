package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.testing.Http;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver})
 * loads {@code GET /} while the test drives load, and the readouts and charts must move. Saves a
 * screenshot to {@code target/dashboard.png}, and to {@code $SLUICE_SCREENSHOT_DIR/dashboard.png} when
 * that is set. Without Chromium it fails, saying how to install it, unless {@code SLUICE_SKIP_BROWSER=1}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("SLUICE_CHROMIUM", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getenv().getOrDefault("SLUICE_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final int LOAD_THREADS = 12;
    /** Long enough to see the numbers move; longer when the picture is for the docs. */
    private static final Duration LOAD_FOR = System.getenv("SLUICE_SCREENSHOT_DIR") == null ? Duration.ofSeconds(8)
            : Duration.ofSeconds(45);

    @Test
    void dashboardReadoutsAndChartsMoveDuringALoadRun() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            Assumptions.assumeFalse("1".equals(System.getenv("SLUICE_SKIP_BROWSER")),
                    "SLUICE_SKIP_BROWSER=1: the dashboard browser test is skipped");
            throw new AssertionError("the dashboard test needs headless Chromium and its driver at " + CHROMIUM + " and "
                    + DRIVER + ": install them with 'apt-get install -y chromium chromium-driver' (or set "
                    + "SLUICE_SKIP_BROWSER=1 to skip this test)");
        }
        ServerConfig config = ServerConfig.builder().port(0).workers(2).queue(4).waitBudget(Duration.ofMillis(30))
                .rate(Rate.parse("1000/s")).perClient(Rate.parse("2/m")).build();
        Path profile = Files.createTempDirectory("sluice-chromium-");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,960", "--user-data-dir=" + profile);
        ChromeDriver browser = null;
        List<Thread> load = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        try (RunningServer server = JobServer.start(config)) {
            browser = new ChromeDriver(service, options);
            browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            browser.get(server.uri() + "/");
            ChromeDriver b = browser;
            Http.until("the dashboard shows the server serving", Duration.ofSeconds(20),
                    () -> b.findElement(By.id("server-state")).getText().equalsIgnoreCase("serving"));
            String idle = b.findElement(By.id("admitted-per-sec")).getText();

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            long end = System.nanoTime() + LOAD_FOR.toNanos();
            // Slow I/O jobs from ever new clients overrun the 6 job slots (503s); CPU jobs from a few named
            // clients overrun their 2-per-minute buckets after two requests each (429s), however slow the machine.
            for (int i = 0; i < LOAD_THREADS; i++) {
                boolean slow = i < LOAD_THREADS * 2 / 3;
                String clientId = slow ? null : "fast-" + i;
                String body = slow ? "{\"ioMillis\": 200}" : "{\"cpuMillis\": 2}";
                load.add(Thread.ofVirtual().name("load-" + i).start(() -> drive(client, server.uri(), clientId, body, end,
                        stop, sent)));
            }
            Set<String> admittedReadings = new HashSet<>();
            Http.until("the admitted-per-second readout goes above 0", Duration.ofSeconds(20), () -> {
                String v = b.findElement(By.id("admitted-per-sec")).getText();
                admittedReadings.add(v);
                return parse(v) > 0;
            });
            Http.until("the charts have data points and the readout has changed several times", Duration.ofSeconds(20), () -> {
                admittedReadings.add(b.findElement(By.id("admitted-per-sec")).getText());
                return admittedReadings.size() >= 3 && points(b, "chart-rates") > 0 && points(b, "chart-queue") > 0
                        && points(b, "chart-latency") > 0 && points(b, "chart-limit") > 0;
            });
            assertThat(idle).as("before the load").isIn("0.0", "\u2013");
            saveScreenshot(b);
            Http.until("429 and 503 totals show refusals", Duration.ofSeconds(20), () ->
                    parse(b.findElement(By.id("total-429")).getText()) > 0
                            && parse(b.findElement(By.id("total-503")).getText()) > 0);
            assertThat(parse(b.findElement(By.id("latency-p99")).getText())).isGreaterThan(0);
            assertThat(b.findElement(By.id("queue-capacity")).getText()).isEqualTo("4");
            assertThat(b.findElement(By.id("limit")).getText()).isEqualTo("6");
            for (Thread t : load) {
                assertThat(t.join(LOAD_FOR.plusSeconds(30))).as("load thread ended").isTrue();
            }
            assertThat(sent.get()).isGreaterThan(0);
            // Let one more sample land after the load, then picture the run.
            Http.until("the totals settle", Duration.ofSeconds(10),
                    () -> parse(b.findElement(By.id("total-admitted")).getText()) > 0);
            saveScreenshot(b);
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(30));
            }
            if (browser != null) {
                browser.quit();
            }
            service.stop();
            deleteTree(profile);
        }
    }

    private static void drive(HttpClient client, URI base, String clientId, String body, long end, AtomicBoolean stop,
            AtomicInteger sent) {
        int n = 0;
        while (!stop.get() && System.nanoTime() - end < 0) {
            // A null id: a new client per request, so only the job slots can refuse it.
            String id = clientId != null ? clientId : Thread.currentThread().getName() + "-" + n++;
            HttpRequest req = HttpRequest.newBuilder(base.resolve("/jobs")).timeout(Duration.ofSeconds(10))
                    .header("X-Client-Id", id).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            try {
                client.send(req, HttpResponse.BodyHandlers.discarding());
                sent.incrementAndGet();
                if (clientId != null) {
                    LockSupport.parkNanos(20_000_000L); // pacing, not synchronisation: a 429 comes back at once
                }
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static double parse(String text) {
        try {
            return Double.parseDouble(text.replace(",", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int points(ChromeDriver b, String canvas) {
        return Integer.parseInt(b.findElement(By.id(canvas)).getDomAttribute("data-points"));
    }

    private static void saveScreenshot(ChromeDriver b) throws IOException {
        Path shot = b.getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target/dashboard.png");
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        String dir = System.getenv("SLUICE_SCREENSHOT_DIR");
        if (dir != null && !dir.isBlank()) {
            Path d = Path.of(dir);
            Files.createDirectories(d);
            Files.copy(shot, d.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.deleteIfExists(shot);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
