package dev.sluice.pipeline.internal;

import dev.sluice.channel.Overflow;
import java.util.List;
import java.util.Objects;

/**
 * One stage in a pipeline's description: immutable, pointing at the stages that feed it. The link out
 * of a node (to whichever stage consumes it) has the capacity and policy stored here. A merge node has
 * several upstreams and no thread of its own: its upstreams write straight into its output link.
 */
public final class Node {

    public final String name;
    final boolean explicitName;
    final StageBody body;
    final List<Node> upstreams;
    final int capacity;
    final Overflow overflow;
    final int position;

    private Node(String name, boolean explicitName, StageBody body, List<Node> upstreams, int capacity,
                 Overflow overflow, int position) {
        this.name = name;
        this.explicitName = explicitName;
        this.body = body;
        this.upstreams = upstreams;
        this.capacity = capacity;
        this.overflow = overflow;
        this.position = position;
    }

    /** A new node after {@code upstreams}; an unnamed one is called kind@position. */
    public static Node of(String name, StageBody body, List<Node> upstreams, int capacity, Overflow overflow) {
        Objects.requireNonNull(body, "body");
        int position = 0;
        for (Node u : upstreams) {
            position = Math.max(position, u.position + 1);
        }
        boolean explicit = name != null;
        return new Node(explicit ? name : body.kind() + "@" + position, explicit, body, List.copyOf(upstreams),
                capacity, overflow, position);
    }

    /** The same node with a different output link. */
    public Node withLink(int capacity, Overflow overflow) {
        return new Node(name, explicitName, body, upstreams, capacity, overflow, position);
    }

    boolean isMerge() {
        return body instanceof Merge;
    }

    public boolean isSink() {
        return body.isSink();
    }

    @Override
    public String toString() {
        return name;
    }

    /** The marker body of a merge (fan-in): no threads, its upstreams share its output link. */
    public static final class Merge extends StageBody {
        @Override
        String kind() {
            return "merge";
        }

        @Override
        int writers() {
            return 0;
        }

        @Override
        int readers() {
            return 0;
        }

        @Override
        void launch(StageRuntime st) {
            throw new AssertionError("a merge has no threads");
        }
    }
}
