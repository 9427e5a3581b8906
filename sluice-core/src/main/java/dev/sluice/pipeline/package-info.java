/**
 * Pipelines: stages joined by bounded channels, after the Go pipeline pattern, with the Go rules built in.
 * Each stage owns its output link and closes it when its input ends; every wait of a stage is on the
 * pipeline's {@link dev.sluice.Context}, so no stage can block forever; the first failure cancels the
 * whole pipeline and reaches the caller (like {@code errgroup}); and when the pipeline has ended, no
 * thread it started is alive.
 *
 * <h2>Building</h2>
 * {@link dev.sluice.pipeline.Pipeline} starts from a source (an {@code Iterable}, a
 * {@link dev.sluice.channel.ReceivePort}, a {@link dev.sluice.pipeline.Generator}, or a
 * {@link dev.sluice.pipeline.Pipeline#merge merge} of several), adds stages ({@code map}, {@code filter},
 * {@code flatMap}, {@code limit}, {@code mapParallel(n, ordered)}, {@code batch(size, maxWait)},
 * {@code partitionBy(key, lanes, f)}), and ends in a sink ({@code to}, {@code fanOut}, {@code consume}),
 * which gives a validated {@link dev.sluice.pipeline.PipelinePlan}. Each link is a channel with an
 * explicit capacity and {@link dev.sluice.channel.Overflow} policy (default 64, BLOCK).
 *
 * <h2>Running and stopping</h2>
 * {@link dev.sluice.pipeline.PipelinePlan#start} returns a {@link dev.sluice.pipeline.RunningPipeline}:
 * {@code await} for the end (throwing {@link dev.sluice.pipeline.PipelineFailedException}),
 * {@code cancel}, {@code drain} (stop the sources, finish what is inside) or {@code abort} (stop now and get
 * a {@link dev.sluice.pipeline.ShutdownReport} of what was inside).
 *
 * <h2>The deadlock traps</h2>
 * A cycle (a sink feeding a source of the same plan through a channel) is refused when the plan is built,
 * with {@link dev.sluice.pipeline.PipelineCycleException}. A consumer that stops early ({@code limit}, a
 * {@link dev.sluice.pipeline.PortConsumer} that returns, an output channel closed by its owner) closes its
 * input link from the reading side; the producers' sends are refused and they stop in turn, so no producer
 * is left blocked.
 *
 * <h2>Watching</h2>
 * {@link dev.sluice.pipeline.RunningPipeline#stats()} gives each stage's items in and out and time blocked
 * on input and output, and each link's {@link dev.sluice.channel.ChannelStats};
 * {@link dev.sluice.pipeline.RunningPipeline#bottleneck()} names the stage whose input is full while its
 * output is empty.
 */
package dev.sluice.pipeline;
