package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CoffeeShopTest {

    @Test
    void sampledCustomersInTheShopMatchLittlesLawWithinTenPercent() throws Exception {
        ExampleRun r = ExampleRun.of("coffee-shop", "--machine");
        assertThat(r.exitCode).as(r.err).isZero();
        for (int shop = 0; shop < 4; shop++) {
            String p = "shop" + shop + ".";
            assertThat(r.decimal(p + "littleError")).as("shop %d: L=%s, λW=%s", shop, r.values.get(p + "sampledInShop"),
                    r.values.get(p + "littlesLaw")).isLessThan(0.10);
            assertThat(r.number(p + "arrived")).isEqualTo(r.number(p + "served") + r.number(p + "turnedAway"));
            assertThat(r.number(p + "maxQueue")).isLessThanOrEqualTo(10);
        }
        // The guide's answers: an overloaded shop turns customers away; a slower machine turns away more;
        // a fourth barista fewer; at a quiet hour nearly nobody waits long.
        long normal = r.number("shop0.turnedAway");
        assertThat(normal).isPositive();
        assertThat(r.number("shop1.turnedAway")).isGreaterThan(normal);
        assertThat(r.number("shop2.turnedAway")).isLessThan(normal);
        assertThat(r.decimal("shop3.meanWait")).isLessThan(r.decimal("shop0.meanWait"));
    }

    @Test
    void badFlagsGiveAUsageError() throws Exception {
        ExampleRun r = ExampleRun.of("coffee-shop", "--rate", "-1");
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.err).contains("--rate must be a positive number");
    }
}
