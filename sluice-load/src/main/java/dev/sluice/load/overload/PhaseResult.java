package dev.sluice.load.overload;

import dev.sluice.load.LoadReport;

/**
 * One phase against one server.
 *
 * @param phase       "normal", "overload" or "recovery"
 * @param report      what the generator measured
 * @param rssStartMb  the server's RSS when the phase began, MiB
 * @param peaks       the server's memory peaks during the phase
 */
public record PhaseResult(String phase, LoadReport report, double rssStartMb, ServerSampler.Peaks peaks) {

    /** Peak RSS during the phase minus RSS at its start, MiB. */
    public double rssGrowthMb() {
        return peaks.rssMb() - rssStartMb;
    }

    /** Share of sent requests answered 429 or 503. */
    public double rejectedShare() {
        LoadReport r = report;
        return r.sent() == 0 ? 0 : (double) (r.unavailable() + r.tooManyRequests()) / r.sent();
    }
}
