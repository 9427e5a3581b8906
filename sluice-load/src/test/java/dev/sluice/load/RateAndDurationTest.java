package dev.sluice.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateAndDurationTest {

    @Test
    void parsesRatesPerSecondAndPerMinute() {
        assertThat(Rate.parse("2000/s").perSecond()).isEqualTo(2000);
        assertThat(Rate.parse("2000").perSecond()).isEqualTo(2000);
        assertThat(Rate.parse(" 120/min ").perSecond()).isEqualTo(2);
        assertThat(Rate.parse("0.5/s").intervalNanos()).isEqualTo(2e9);
    }

    @Test
    void refusesZeroNegativeAndMalformedRates() {
        assertThatThrownBy(() -> Rate.parse("0/s")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Rate.parse("-5/s")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Rate.parse("fast")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Rate.parse("10/h")).hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> Rate.parse("NaN/s")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Rate.parse("1e9/s")).hasMessageContaining("limit");
    }

    @Test
    void parsesDurationsInTheUsualUnits() {
        assertThat(Durations.parse("d", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("d", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("d", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("d", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("d", "PT3S")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse("d", "0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void refusesNegativeAndMalformedDurations() {
        assertThatThrownBy(() -> Durations.parse("--duration", "-5s"))
                .hasMessage("--duration must not be negative, was '-5s'");
        assertThatThrownBy(() -> Durations.parse("--duration", "PT-1S")).hasMessageContaining("negative");
        assertThatThrownBy(() -> Durations.parse("--duration", "soon")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("--duration", "5 weeks")).hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> Durations.parse("--duration", "")).hasMessageContaining("empty");
    }
}
