package dev.sluice.pipeline;

import dev.sluice.channel.Overflow;
import dev.sluice.channel.ReceivePort;
import dev.sluice.channel.SendPort;
import dev.sluice.pipeline.internal.Batcher;
import dev.sluice.pipeline.internal.Node;
import dev.sluice.pipeline.internal.OrderedParallel;
import dev.sluice.pipeline.internal.Partitioner;
import dev.sluice.pipeline.internal.Sinks;
import dev.sluice.pipeline.internal.Sources;
import dev.sluice.pipeline.internal.StageBody;
import dev.sluice.pipeline.internal.Transforms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The description of a pipeline up to a stage whose output is {@code T}: stages joined by bounded
 * links, built fluently and started once it ends in a sink.
 *
 * <pre>{@code
 * RunningPipeline p = Pipeline.from(lines)
 *         .map("parse", Record::parse)
 *         .batch(64, Duration.ofMillis(5))
 *         .mapParallel("enrich", 4, true, enricher::enrich)
 *         .to("store", store::write)
 *         .start(ctx);
 * p.await();   // or p.drain(Duration.ofSeconds(5)) / p.abort()
 * }</pre>
 *
 * <p>Stages: each stage runs on its own thread(s), reads its input link, and owns its output link,
 * which it closes when its input ends, so the end of the sources travels down the pipeline.
 *
 * <p>Links: every link is a sluice {@link dev.sluice.channel.Channel} of capacity
 * {@value #DEFAULT_CAPACITY} with policy {@link Overflow#BLOCK} unless {@link #buffer(int, Overflow)}
 * sets another for the link out of the last stage. With BLOCK a full link makes its producer wait
 * (backpressure reaches the source); with DROP_NEWEST, DROP_OLDEST or REJECT the link never waits and
 * what it drops or refuses is counted in its {@link LinkStats}, and the pipeline goes on.
 *
 * <p>Ordering: a chain of serial stages keeps the source's order; {@code mapParallel(ordered = true)}
 * keeps it, {@code ordered = false} emits as done; {@code partitionBy} keeps the order of each key;
 * {@code merge} interleaves its sources, keeping the order of each.
 *
 * <p>Blocking: building never blocks and never starts a thread. Every wait of a running stage is on the
 * pipeline's context; see {@link RunningPipeline} for failure, cancellation, interruption and shutdown.
 * Items are never null: a function that returns null fails its stage.
 *
 * <p>A {@code Pipeline} is immutable: each operator returns a new one, and a stage's output can feed
 * only one next stage (building a plan in which it feeds two fails). Arguments are checked when the
 * operator is called: null functions throw {@link NullPointerException}, counts and sizes below 1 and
 * negative waits {@link IllegalArgumentException}.
 *
 * @param <T> the type of the items leaving the last stage
 */
public final class Pipeline<T> {

    /** The capacity of a link unless {@link #buffer} says otherwise. */
    public static final int DEFAULT_CAPACITY = 64;

    private final Node node;

    private Pipeline(Node node) {
        this.node = node;
    }

    private static <T> Pipeline<T> source(String name, StageBody body) {
        return new Pipeline<>(Node.of(name, body, List.of(), DEFAULT_CAPACITY, Overflow.BLOCK));
    }

    private <R> Pipeline<R> then(String name, StageBody body) {
        return new Pipeline<>(Node.of(name, body, List.of(node), DEFAULT_CAPACITY, Overflow.BLOCK));
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a stage name must not be blank");
        }
        return name;
    }

    // ---------------------------------------------------------------- sources

    /** A source that sends the items of {@code items}, in iteration order, and ends after the last. */
    public static <T> Pipeline<T> from(Iterable<? extends T> items) {
        return source(null, Sources.iterable(items));
    }

    /** A named source over {@code items}. */
    public static <T> Pipeline<T> from(String name, Iterable<? extends T> items) {
        return source(checkName(name), Sources.iterable(items));
    }

    /**
     * A source that receives from {@code port} until it is closed and drained. The port is not owned: the
     * pipeline never closes it. A port closed with a failure fails the source.
     */
    public static <T> Pipeline<T> from(ReceivePort<? extends T> port) {
        return source(null, Sources.port(port));
    }

    /** A named source over {@code port}. */
    public static <T> Pipeline<T> from(String name, ReceivePort<? extends T> port) {
        return source(checkName(name), Sources.port(port));
    }

    /** A source run as code on its own thread; see {@link Generator}. */
    public static <T> Pipeline<T> generate(String name, Generator<T> generator) {
        return source(checkName(name), Sources.generator(generator));
    }

    /**
     * Fan-in: one stream of the items of all {@code sources}, interleaved as they come, each source's own
     * order kept. It ends when all of them have ended. No thread of its own: the sources' last stages
     * write into one shared link.
     */
    @SafeVarargs
    public static <T> Pipeline<T> merge(Pipeline<? extends T>... sources) {
        Objects.requireNonNull(sources, "sources");
        return merge(List.of(sources));
    }

    /** {@link #merge(Pipeline[])} over a list. */
    public static <T> Pipeline<T> merge(List<? extends Pipeline<? extends T>> sources) {
        Objects.requireNonNull(sources, "sources");
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("merge needs at least one source");
        }
        List<Node> ups = new ArrayList<>();
        for (Pipeline<? extends T> p : sources) {
            ups.add(Objects.requireNonNull(p, "a merged pipeline is null").node);
        }
        return new Pipeline<>(Node.of(null, new Node.Merge(), ups, DEFAULT_CAPACITY, Overflow.BLOCK));
    }

    // ---------------------------------------------------------------- links

    /**
     * Sets the link out of the last stage: its capacity (0 makes it a hand-off) and what it does when
     * full. The default is {@value #DEFAULT_CAPACITY} and {@link Overflow#BLOCK}.
     */
    public Pipeline<T> buffer(int capacity, Overflow overflow) {
        if (capacity < 0 || capacity > dev.sluice.channel.Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("link capacity must be within 0.." + dev.sluice.channel.Channel.MAX_CAPACITY
                    + ", got " + capacity);
        }
        Objects.requireNonNull(overflow, "overflow");
        if (overflow == Overflow.DROP_OLDEST && capacity == 0) {
            throw new IllegalArgumentException("DROP_OLDEST needs a capacity of at least 1");
        }
        return new Pipeline<>(node.withLink(capacity, overflow));
    }

    /** {@link #buffer(int, Overflow)} with {@link Overflow#BLOCK}. */
    public Pipeline<T> buffer(int capacity) {
        return buffer(capacity, Overflow.BLOCK);
    }

    // ---------------------------------------------------------------- transforms

    /** Applies {@code f} to each item, in order, on one thread. */
    @SuppressWarnings("unchecked")
    public <R> Pipeline<R> map(String name, Function<? super T, ? extends R> f) {
        return then(checkName(name), Transforms.map((Function<Object, Object>) (Function<?, ?>) f));
    }

    /** {@link #map(String, Function)} with a generated name. */
    @SuppressWarnings("unchecked")
    public <R> Pipeline<R> map(Function<? super T, ? extends R> f) {
        return then(null, Transforms.map((Function<Object, Object>) (Function<?, ?>) f));
    }

    /** Keeps the items for which {@code p} is true. */
    @SuppressWarnings("unchecked")
    public Pipeline<T> filter(String name, Predicate<? super T> p) {
        return then(checkName(name), Transforms.filter((Predicate<Object>) (Predicate<?>) p));
    }

    /** {@link #filter(String, Predicate)} with a generated name. */
    @SuppressWarnings("unchecked")
    public Pipeline<T> filter(Predicate<? super T> p) {
        return then(null, Transforms.filter((Predicate<Object>) (Predicate<?>) p));
    }

    /** Replaces each item by the items of {@code f(item)}, in order ({@code flatMap("unbatch", l -> l)} undoes a batch). */
    @SuppressWarnings("unchecked")
    public <R> Pipeline<R> flatMap(String name, Function<? super T, ? extends Iterable<? extends R>> f) {
        return then(checkName(name), Transforms.flatMap((Function<Object, ? extends Iterable<?>>) (Function<?, ?>) f));
    }

    /**
     * Passes the first {@code n} items and then stops: its input link is closed from the reading side, so
     * the stages before it stop too (a source need not be finite), and the pipeline completes normally.
     */
    public Pipeline<T> limit(long n) {
        return then(null, Transforms.limit(n));
    }

    /**
     * Applies {@code f} on {@code n} threads. With {@code ordered} true the output keeps the input order,
     * with a reorder window of {@code max(4 * n, 2048)} items on virtual threads and {@code max(4 * n, 64)} on
     * platform threads (see {@link #mapParallel(String, int, boolean, int, Function)});
     * with false each result is emitted as soon as it is done.
     */
    public <R> Pipeline<R> mapParallel(String name, int n, boolean ordered, Function<? super T, ? extends R> f) {
        return parallel(checkName(name), n, ordered, null, f);
    }

    /** {@link #mapParallel(String, int, boolean, Function)} with a generated name. */
    public <R> Pipeline<R> mapParallel(int n, boolean ordered, Function<? super T, ? extends R> f) {
        return parallel(null, n, ordered, null, f);
    }

    /**
     * Applies {@code f} on {@code n} threads, keeping input order if {@code ordered}. Ordered, at most
     * {@code window} items are between the input and the output at any time (being worked on, or done and
     * waiting for an earlier one), so a slow item holds back at most {@code window - 1} others and memory
     * stays bounded; {@code window} is ignored when not ordered. Either way the stage runs on exactly
     * {@code n} threads.
     */
    public <R> Pipeline<R> mapParallel(String name, int n, boolean ordered, int window, Function<? super T, ? extends R> f) {
        return parallel(checkName(name), n, ordered, window, f);
    }

    @SuppressWarnings("unchecked")
    private <R> Pipeline<R> parallel(String name, int n, boolean ordered, Integer window, Function<? super T, ? extends R> f) {
        if (n <= 0) {
            throw new IllegalArgumentException("mapParallel needs n >= 1 workers, got " + n);
        }
        Function<Object, Object> g = (Function<Object, Object>) (Function<?, ?>) Objects.requireNonNull(f, "function");
        // window null: the default, which depends on the kind of thread the stage will run on
        return then(name, !ordered ? Transforms.parallelUnordered(n, g)
                : window == null ? OrderedParallel.withDefaultWindow(n, g) : new OrderedParallel(n, window, g));
    }

    /**
     * Groups items into lists of {@code size}: a list is emitted when full, or when {@code maxWait} has
     * passed since its first item and no further item is immediately available, or when the input ends.
     * {@code maxWait} zero emits whatever is available at once. Every list is a new {@code ArrayList}
     * handed over for good: the stage never reuses or touches it again.
     *
     * <p>Right after {@link #from(Iterable)} (with its default link) the source and the batch are fused into
     * one stage, named after the batch if it has a name, else after the source: the source's thread fills
     * the lists, so items never cross a link one at a time. An iterator cannot be waited on with a
     * deadline, so there the maxWait check is made after the iterator returns an item: every few items
     * while it is fast compared with maxWait (reading the clock per item would cost as much as the rest
     * of the work on a tiny item), after every item once it is not, so a list is flushed late by at most
     * a few of the iterator's calls.
     */
    public Pipeline<List<T>> batch(int size, Duration maxWait) {
        return batchNamed(null, size, maxWait);
    }

    /** {@link #batch(int, Duration)} with a name. */
    public Pipeline<List<T>> batch(String name, int size, Duration maxWait) {
        return batchNamed(checkName(name), size, maxWait);
    }

    private Pipeline<List<T>> batchNamed(String name, int size, Duration maxWait) {
        Batcher batcher = new Batcher(size, maxWait);
        Node fused = Sources.fuseBatch(node, name, size, maxWait);
        return fused != null ? new Pipeline<>(fused) : then(name, batcher);
    }

    /**
     * Applies {@code f} in per-key lanes: items are routed by {@code keyFunction}'s hash to one of
     * {@code lanes} lanes, each a link of {@value #DEFAULT_CAPACITY} with its own thread, so the items of
     * one key are handled in order and a slow key delays only its own lane (until that lane's buffer is
     * full, when the router waits for it). Keys may be null. Output interleaves the lanes.
     */
    public <R> Pipeline<R> partitionBy(String name, Function<? super T, ?> keyFunction, int lanes,
                                       Function<? super T, ? extends R> f) {
        return partitionBy(name, keyFunction, lanes, DEFAULT_CAPACITY, f);
    }

    /** {@link #partitionBy(String, Function, int, Function)} with a chosen lane capacity. */
    @SuppressWarnings("unchecked")
    public <R> Pipeline<R> partitionBy(String name, Function<? super T, ?> keyFunction, int lanes, int laneCapacity,
                                       Function<? super T, ? extends R> f) {
        return then(checkName(name), new Partitioner((Function<Object, ?>) (Function<?, ?>) keyFunction, lanes,
                laneCapacity, (Function<Object, Object>) (Function<?, ?>) f));
    }

    // ---------------------------------------------------------------- sinks

    /** Ends the pipeline in {@code sink}, called for each item on one thread. */
    public PipelinePlan to(String name, Sink<? super T> sink) {
        return end(checkName(name), Sinks.each(List.of(sinkOf(sink))));
    }

    /** {@link #to(String, Sink)} with a generated name. */
    public PipelinePlan to(Sink<? super T> sink) {
        return end(null, Sinks.each(List.of(sinkOf(sink))));
    }

    /**
     * Ends the pipeline in a channel, which it then owns: it is closed when the pipeline's input ends and
     * failed (with the failure) when the pipeline fails. If its owner closes it first, that is an early
     * stop: the pipeline stops taking input and completes normally.
     */
    @SuppressWarnings("unchecked")
    public PipelinePlan to(String name, SendPort<? super T> port) {
        return end(checkName(name), Sinks.port((SendPort<Object>) Objects.requireNonNull(port, "port")));
    }

    /**
     * Fan-out: {@code consumers.size()} sink threads share the last link, each taking the next item when it
     * is free, so each item reaches exactly one consumer and a slow consumer simply takes fewer.
     */
    @SuppressWarnings("unchecked")
    public PipelinePlan fanOut(String name, List<? extends Sink<? super T>> consumers) {
        Objects.requireNonNull(consumers, "consumers");
        List<Sink<Object>> all = new ArrayList<>();
        for (Sink<? super T> s : consumers) {
            all.add(sinkOf(s));
        }
        return end(checkName(name), Sinks.each(all));
    }

    /** Ends the pipeline in code that reads the last link itself; see {@link PortConsumer}. */
    @SuppressWarnings("unchecked")
    public PipelinePlan consume(String name, PortConsumer<T> consumer) {
        return end(checkName(name), Sinks.consumer((PortConsumer<Object>) (PortConsumer<?>) Objects.requireNonNull(consumer, "consumer")));
    }

    @SuppressWarnings("unchecked")
    private static Sink<Object> sinkOf(Sink<?> sink) {
        return (Sink<Object>) Objects.requireNonNull(sink, "sink");
    }

    private PipelinePlan end(String name, StageBody body) {
        return PipelinePlan.single(Node.of(name, body, List.of(node), DEFAULT_CAPACITY, Overflow.BLOCK));
    }
}
