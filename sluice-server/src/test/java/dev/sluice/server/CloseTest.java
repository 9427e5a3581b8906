package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.job.DrainSummary;
import dev.sluice.server.testing.Http;
import dev.sluice.server.testing.Threads;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Starting from code, draining from code, and nothing left behind afterwards. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseTest {

    /** Threads the JVM or the test itself may start and keep: carriers of virtual threads, the JDK's own. */
    private static boolean jvmOwned(String name) {
        return name.startsWith("ForkJoinPool") || name.startsWith("process reaper") || name.startsWith("Common-Cleaner")
                || name.startsWith("Attach Listener") || name.startsWith("Notification Thread")
                || name.startsWith("InnocuousThread") || name.startsWith("VirtualThread-unparker")
                || name.startsWith("surefire") || name.isEmpty()
                || name.equals("MasterPoller") || name.startsWith("SubPoller") || name.startsWith("VirtualThread-");
    }

    @Test
    void closeDrainsAcceptedJobsAndLeavesNoThreadBehind() throws Exception {
        Set<String> before = Threads.names();
        RunningServer s = JobServer.start(ServerConfig.builder().port(0).workers(2).queue(4).rate(null).perClient(null)
                .build());
        try (Http http = new Http(s.uri())) {
            for (int i = 0; i < 4; i++) {
                assertThat(http.post("/jobs", "{\"ioMillis\": 300}").statusCode()).isEqualTo(202);
            }
            assertThat(http.post("/jobs?wait=true", "{\"cpuMillis\": 2}").statusCode()).isEqualTo(200);
            Set<String> during = Threads.names();
            assertThat(during).anyMatch(n -> n.startsWith("sluice-jobs-worker-"));
        }
        DrainSummary d = s.drain(Duration.ofSeconds(10));
        assertThat(d.accepted()).isEqualTo(5);
        assertThat(d.completed()).isEqualTo(5);
        assertThat(d.stillRunning()).isZero();
        assertThat(d.terminated()).isTrue();
        assertThat(s.drain(Duration.ofSeconds(1))).as("a second drain reports the first").isSameAs(d);
        s.close(); // idempotent
        assertNoNewThreads(before);
    }

    @Test
    void startOnABusyPortFailsClearlyAndLeavesNothingRunning() throws Exception {
        Set<String> before = Threads.names();
        try (RunningServer first = JobServer.start(ServerConfig.builder().port(0).build())) {
            ServerConfig same = ServerConfig.builder().port(first.port()).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobServer.start(same))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("could not start the job server");
        }
        assertNoNewThreads(before);
    }

    private static void assertNoNewThreads(Set<String> before) {
        Set<String> left = new TreeSet<>();
        try {
            Http.until("every thread the server started has ended", Duration.ofSeconds(10), () -> {
                left.clear();
                left.addAll(Threads.names());
                left.removeAll(before);
                left.removeIf(CloseTest::jvmOwned);
                left.removeIf(n -> n.startsWith("HttpClient"));
                return left.isEmpty();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; still alive: " + left, e);
        }
    }
}
