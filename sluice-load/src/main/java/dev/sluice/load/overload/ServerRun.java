package dev.sluice.load.overload;

import java.util.List;

/**
 * Every phase against one server, and the server's memory over the whole run.
 *
 * @param name        the column title, e.g. "sluice" or "naive"
 * @param capacity    the capacity the rates were derived from, requests/s
 * @param phases      normal, overload, recovery, in that order
 * @param peakRssMb   the server's peak RSS over its life (VmHWM), MiB
 * @param warmedUp    whether its warm-up ended with prompt answers; false means the machine was too busy
 *                    (or the server too slow) for the figures to describe the server
 */
public record ServerRun(String name, double capacity, List<PhaseResult> phases, double peakRssMb, boolean warmedUp) {

    public PhaseResult phase(String phase) {
        return phases.stream().filter(p -> p.phase().equals(phase)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no phase " + phase));
    }

    /** The highest heap-in-use sample over all phases, MiB. */
    public double peakHeapMb() {
        return phases.stream().mapToDouble(p -> p.peaks().heapMb()).max().orElse(-1);
    }
}
