package dev.sluice.limit.internal;

import dev.sluice.limit.Permit;

/** {@link Permit#ofSpentTokens}: the tokens are spent, so a release only marks the permit released. */
public final class SpentTokens implements Permit {
    private final int weight;
    private volatile boolean released;

    public SpentTokens(int weight) {
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be at least 1, was " + weight);
        }
        this.weight = weight;
    }

    @Override
    public void close() {
        released = true;
    }

    @Override
    public void releaseDropped() {
        close();
    }

    @Override
    public void releaseIgnored() {
        close();
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public boolean isReleased() {
        return released;
    }

    @Override
    public String toString() {
        return "Permit[spent tokens, weight=" + weight + (released ? ", released]" : "]");
    }
}
