package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad configuration fails when it is given, with the value in the message. */
class AdmissionControlBuilderTest {

    @Test
    void defaultsAreOneDefaultRouteClassWithoutClientLimits() {
        try (AdmissionControl a = AdmissionControl.builder().build()) {
            assertThat(a.name()).isEqualTo("http");
            assertThat(a.clientLimiter()).isNull();
            assertThat(a.routeClassStats()).singleElement().satisfies(r -> {
                assertThat(r.name()).isEqualTo(AdmissionControl.DEFAULT_ROUTE_CLASS);
                assertThat(r.limit()).isEqualTo(64);
            });
            assertThat(a.stats()).isEqualTo(new AdmissionStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        }
    }

    @Test
    void routeClassesAreKeptInOrderBeforeTheDefault() {
        AdmissionControl a = AdmissionControl.builder().limit(8)
                .routeClass("upload", "/upload", 2, Duration.ZERO)
                .routeClass("admin", "/admin", 1, Duration.ofMillis(10)).build();
        assertThat(a.routeClassStats()).extracting(RouteClassStats::name).containsExactly("upload", "admin", "default");
        assertThat(a.routeClassStats()).extracting(RouteClassStats::limit).containsExactly(2, 1, 8);
    }

    @Test
    void rejectsBadValuesAtOnce() {
        AdmissionControl.Builder b = AdmissionControl.builder();
        assertThatThrownBy(() -> b.limit(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> b.waitBudget(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("waitBudget");
        assertThatThrownBy(() -> b.maxWaiters(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.targetQueueDelay(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("targetQueueDelay");
        assertThatThrownBy(() -> b.discipline(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.maxBodyBytes(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxBodyBytes(1L << 40)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.bodyReadBudget(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.serverBudget(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.perClientRate(0, Duration.ofSeconds(1), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.perClientRate(1, Duration.ofSeconds(1), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxClientKeys(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.clientKeyHeader(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.routeClass("default", "/x", 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already used");
        b.routeClass("upload", "/upload", 1, Duration.ZERO);
        assertThatThrownBy(() -> b.routeClass("upload", "/other", 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'upload'");
        assertThatThrownBy(() -> b.routeClass("x", (String) null, 1, Duration.ZERO)).isInstanceOf(NullPointerException.class);
    }
}
