package dev.sluice.server.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The job table's bound, and the difference between an evicted id and one never issued. */
class JobTableTest {

    private static JobRecord finishedJob() {
        JobRecord j = new JobRecord(new Work.Io(0));
        j.markRunning();
        j.markDone(new JobResult("io", 0, null, null, null, 0));
        return j;
    }

    @Test
    void keepsEveryUnfinishedJobAndOnlyTheNewestFinishedOnes() {
        JobTable t = new JobTable(2);
        JobRecord running = new JobRecord(new Work.Io(0));
        long r = t.add(running);
        long a = t.add(finishedJob());
        long b = t.add(finishedJob());
        long c = t.add(finishedJob());
        assertThat(t.find(a)).isInstanceOf(JobTable.Lookup.Evicted.class);
        assertThat(t.find(b)).isInstanceOf(JobTable.Lookup.Found.class);
        assertThat(t.find(c)).isInstanceOf(JobTable.Lookup.Found.class);
        assertThat(t.find(r)).as("an unfinished job is never evicted").isInstanceOf(JobTable.Lookup.Found.class);
        assertThat(t.find(c + 1)).isInstanceOf(JobTable.Lookup.Unknown.class);
        assertThat(t.find(0)).isInstanceOf(JobTable.Lookup.Unknown.class);
        assertThat(t.size()).isEqualTo(3);
        running.markRunning();
        running.markDone(new JobResult("io", 0, null, null, null, 0));
        t.finished(running);
        t.finished(running); // twice is harmless
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.find(b)).isInstanceOf(JobTable.Lookup.Evicted.class);
        assertThat(t.find(r)).isInstanceOf(JobTable.Lookup.Found.class);
    }

    @Test
    void aJobThatFinishedBeforeItWasAddedCountsAsFinishedOnce() {
        JobTable t = new JobTable(1);
        JobRecord early = finishedJob();
        t.finished(early); // the worker's call, before the submitter added it: ignored
        long id = t.add(early);
        t.finished(early);
        long next = t.add(finishedJob());
        assertThat(t.find(id)).isInstanceOf(JobTable.Lookup.Evicted.class);
        assertThat(t.find(next)).isInstanceOf(JobTable.Lookup.Found.class);
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void staysBoundedUnderManyJobs() {
        JobTable t = new JobTable(100);
        for (int i = 0; i < 100_000; i++) {
            t.add(finishedJob());
        }
        assertThat(t.size()).isEqualTo(100);
    }
}
