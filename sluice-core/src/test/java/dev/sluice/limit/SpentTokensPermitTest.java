package dev.sluice.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpentTokensPermitTest {

    @Test
    void anyReleaseOnlyMarksTheSpentPermitReleased() {
        for (int how = 0; how < 3; how++) {
            Permit p = Permit.ofSpentTokens(3);
            assertThat(p.weight()).isEqualTo(3);
            assertThat(p.isReleased()).isFalse();
            switch (how) {
                case 0 -> p.close();
                case 1 -> p.releaseDropped();
                default -> p.releaseIgnored();
            }
            assertThat(p.isReleased()).isTrue();
            p.close(); // idempotent
            assertThat(p.isReleased()).isTrue();
        }
    }

    @Test
    void weightBelowOneIsRefused() {
        assertThatThrownBy(() -> Permit.ofSpentTokens(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight must be at least 1, was 0");
    }
}
