package dev.sluice.spill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(60)
class SpillChannelFifoTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "memory {0}, fsync {1}")
    @CsvSource({"0,false", "1,false", "3,false", "16,false", "0,true", "1,true", "3,true", "16,true"})
    void randomInterleavingsOfSendAndReceiveKeepFifoAcrossMemoryAndDisk(int memory, boolean fsync) throws Exception {
        for (int seed = 0; seed < (fsync ? 3 : 8); seed++) {
            Path d = dir.resolve("run-" + seed);
            SplittableRandom rnd = new SplittableRandom(seed);
            SpillChannel<Long> ch = Spills.longs(d, memory, fsync).segmentSize(512).diskQuota(1 << 20).build();
            long nextSend = 0;
            long nextReceive = 0;
            int ops = fsync ? 150 : 1000;
            for (int i = 0; i < ops; i++) {
                if (rnd.nextInt(100) < 55) {
                    int burst = 1 + rnd.nextInt(8);
                    for (int k = 0; k < burst; k++) {
                        assertThat(ch.trySend(nextSend)).isTrue();
                        nextSend++;
                    }
                } else {
                    int burst = 1 + rnd.nextInt(8);
                    for (int k = 0; k < burst; k++) {
                        Long x = ch.tryReceive();
                        if (nextReceive == nextSend) {
                            assertThat(x).isNull();
                            break;
                        }
                        assertThat(x).as("seed %d op %d", seed, i).isEqualTo(nextReceive);
                        nextReceive++;
                    }
                }
                assertThat(ch.size()).isEqualTo((int) (nextSend - nextReceive));
                SpillStats s = ch.spillStats();
                assertThat(s.memoryItems()).isLessThanOrEqualTo(memory);
                assertThat(s.memoryItems() + s.diskItems()).isEqualTo(nextSend - nextReceive);
            }
            ch.close();
            List<Long> rest = new ArrayList<>();
            ch.forEach(rest::add);
            assertThat(rest).hasSize((int) (nextSend - nextReceive));
            for (Long x : rest) {
                assertThat(x).isEqualTo(nextReceive++);
            }
            SpillStats end = ch.spillStats();
            assertThat(end.corruptRecordsSkipped()).isZero();
            assertThat(end.segments()).as("consumed segments are deleted").isLessThanOrEqualTo(1);
            ch.release();
        }
    }
}
