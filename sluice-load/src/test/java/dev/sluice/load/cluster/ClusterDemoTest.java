package dev.sluice.load.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code demo --cluster 3} at a small size, for real (redis-server, three server JVMs, one killed with
 * SIGKILL): nothing accepted is lost, every accepted job completed once as far as distinct jobs go, the
 * counts add up, and no process or thread it started is left. Plus the counting itself on made-up
 * replies, so that "lost" is shown to be able to be non-zero.
 */
class ClusterDemoTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aKilledInstanceLosesNoAcceptedJobAndEverythingStartedIsStopped() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        ClusterDemo.Result r = ClusterDemo.run(ClusterDemo.Settings.quick(3), new PrintStream(progress, true, StandardCharsets.UTF_8));
        String table = ClusterDemo.table(r);
        assertThat(r.accepted()).as(table).isPositive();
        assertThat(r.lost()).as(table).isZero();
        assertThat(r.completed()).as(table).isEqualTo(r.accepted());
        assertThat(r.rejected503()).as("driven past the fleet's capacity: " + table).isPositive();
        assertThat(r.rows()).hasSize(3);
        assertThat(r.rows().get(2).killed()).isTrue();
        assertThat(r.rows().get(2).accepted()).as("the victim accepted jobs before it was killed: " + table).isPositive();
        assertThat(r.rows().get(2).load().connectionErrors() + r.rows().get(2).load().timeouts())
                .as("its clients saw it die: " + table).isPositive();
        assertThat(r.rows().stream().mapToLong(ClusterDemo.Row::accepted).sum()).isEqualTo(r.accepted());
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("killed server-3");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive) && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(p -> p.info().command().orElse("?")))
                .as("child processes left").isEmpty();
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName))
                .as("threads left").noneMatch(n -> n.startsWith("sluice-cluster") || n.startsWith("lettuce"));
    }

    @Test
    void theTallyCountsAnAcceptedJobWithoutADoneReportAsLost() {
        ClusterDemo.Replies r = new ClusterDemo.Replies();
        r.add(Map.of("t", "1", "s", "done", "a", "1"));
        r.add(Map.of("t", "2", "s", "done", "a", "2"));
        r.add(Map.of("t", "2", "s", "done", "a", "3"));
        r.add(Map.of("t", "3", "s", "failed", "a", "1"));
        ClusterDemo.Tally t = ClusterDemo.Tally.of(Set.of("i:1", "i:2", "i:3", "i:4"), r);
        assertThat(t).isEqualTo(new ClusterDemo.Tally(4, 2, 1, 1, 1, 1));
        assertThat(ClusterDemo.Tally.of(Set.of("i:1", "i:2"), r).lost()).isZero();
        assertThat(List.of(ClusterDemo.Settings.demo(3).duration())).containsExactly(Duration.ofSeconds(20));
    }
}
