package dev.sluice.pipeline;

import java.time.Duration;

/**
 * The answer to "which stage is slow": over {@code interval}, the stage whose producers spent
 * {@code inputFullRatio} of their time waiting for room in its input link (the link was full) while its
 * consumers spent {@code outputStarvedRatio} of theirs waiting for its output (the link was empty).
 * See {@link PipelineStats#bottleneckSince} for the exact rule.
 *
 * @param stage              the stage's name
 * @param inputFullRatio     from 0 to 1
 * @param outputStarvedRatio from 0 to 1; 1 for a sink, which has no consumer
 * @param interval           the span the ratios cover
 */
public record Bottleneck(String stage, double inputFullRatio, double outputStarvedRatio, Duration interval) {
}
