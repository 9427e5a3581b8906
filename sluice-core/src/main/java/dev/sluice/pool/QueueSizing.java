package dev.sluice.pool;

import java.time.Duration;
import java.util.Objects;

/**
 * Queue sizing for a {@link WorkerPool} from Little's law ({@code L = λ × W}): how many jobs may wait
 * so that a job accepted at the back of a full queue still finishes within a latency objective.
 *
 * <p>With {@code workers} workers each taking {@code serviceTime} per job, a busy pool drains
 * {@code μ = workers / serviceTime} jobs per second. A job that finds {@code q} jobs ahead of it waits
 * about {@code q / μ} before it starts, and then runs for {@code serviceTime}. It meets the objective
 * while {@code q / μ + serviceTime <= objective}, so the largest queue that meets it is
 * {@code floor(μ × (objective - serviceTime))}: Little's law applied to the queue alone, with the drain
 * rate as its throughput and the spare part of the objective as its waiting time. Example (the Go
 * guide's): 8 workers, 100 ms jobs, 200 ms objective: {@code μ = 80/s}, spare time 100 ms, queue 8.
 *
 * <p>The arrival rate does not change that bound: a queue only fills when arrivals outrun the drain
 * rate, and then the drain rate, not the arrival rate, sets how long the back of the queue waits. It
 * decides instead how much must be refused: at a steady arrival rate above {@code μ}, no queue helps and
 * {@code λ - μ} jobs per second must be shed ({@link #shedRatePerSecond()}).
 *
 * @param maxQueue             the largest queue capacity that still meets the objective (0 when the
 *                             objective leaves no time to wait: hand jobs straight to idle workers)
 * @param serviceRatePerSecond {@code μ}, jobs per second the busy pool completes
 * @param utilisation          {@code λ / μ}; above 1 the pool is overloaded at that arrival rate
 * @param shedRatePerSecond    {@code max(0, λ - μ)}: jobs per second that must be refused in steady state
 */
public record QueueSizing(int maxQueue, double serviceRatePerSecond, double utilisation, double shedRatePerSecond) {

    /**
     * Sizes the queue for the given load and objective.
     *
     * @param arrivalRatePerSecond the expected arrival rate {@code λ}, jobs per second (0 or more)
     * @param serviceTime          the average time one job runs, more than zero
     * @param workers              the number of workers, at least 1
     * @param latencyObjective     the time from submit to completion a job should stay within
     * @throws IllegalArgumentException if a value is out of range, or the objective is shorter than the
     *                                  service time (no queue can meet it: every job already misses it)
     */
    public static QueueSizing of(double arrivalRatePerSecond, Duration serviceTime, int workers,
            Duration latencyObjective) {
        Objects.requireNonNull(serviceTime, "serviceTime");
        Objects.requireNonNull(latencyObjective, "latencyObjective");
        if (!(arrivalRatePerSecond >= 0) || Double.isInfinite(arrivalRatePerSecond)) {
            throw new IllegalArgumentException("arrival rate must be a finite number >= 0, got " + arrivalRatePerSecond);
        }
        if (serviceTime.isNegative() || serviceTime.isZero()) {
            throw new IllegalArgumentException("service time must be positive, got " + serviceTime);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (latencyObjective.compareTo(serviceTime) < 0) {
            throw new IllegalArgumentException("a latency objective of " + latencyObjective
                    + " is shorter than the service time " + serviceTime + ": no queue can meet it");
        }
        double serviceSeconds = seconds(serviceTime);
        double mu = workers / serviceSeconds;
        double spare = seconds(latencyObjective) - serviceSeconds;
        // A tiny epsilon so that exact products such as 80 x 0.1 = 7.999... round to 8, not 7.
        long q = (long) Math.floor(mu * spare + 1e-9);
        int maxQueue = (int) Math.min(q, Integer.MAX_VALUE);
        return new QueueSizing(maxQueue, mu, arrivalRatePerSecond / mu, Math.max(0.0, arrivalRatePerSecond - mu));
    }

    private static double seconds(Duration d) {
        return d.getSeconds() + d.getNano() / 1e9;
    }
}
