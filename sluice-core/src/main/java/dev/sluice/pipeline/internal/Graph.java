package dev.sluice.pipeline.internal;

import dev.sluice.Context;
import dev.sluice.pipeline.PipelineCycleException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;

/**
 * A validated plan: the stages reachable from the sinks, checked once at build time. Refused: a stage
 * feeding two stages (its output is one link: use fanOut), two stages with the same explicit name, and
 * cycles. Links made by the fluent API only point forward, so a cycle can only close through an external
 * channel: a sink writing to a channel that a source of the same plan reads. The check is a depth-first
 * search over stage edges plus those sink-to-source edges.
 */
public final class Graph {

    private final List<Node> sinks;
    private final List<Node> order;
    private final Map<Node, String> names;

    private Graph(List<Node> sinks, List<Node> order, Map<Node, String> names) {
        this.sinks = sinks;
        this.order = order;
        this.names = names;
    }

    /** Validates the plan ending in {@code sinks}; throws before anything runs if it is malformed. */
    public static Graph validate(List<Node> sinks) {
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one sink");
        }
        Set<Node> seenSinks = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node s : sinks) {
            if (!s.isSink()) {
                throw new IllegalArgumentException("stage '" + s.name + "' is not a sink");
            }
            if (!seenSinks.add(s)) {
                throw new IllegalArgumentException("sink '" + s.name + "' appears twice in the plan");
            }
        }
        // Stages in topological order (upstreams first), and who consumes each.
        List<Node> order = new ArrayList<>();
        Map<Node, Node> consumer = new IdentityHashMap<>();
        Set<Node> visited = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node s : sinks) {
            topo(s, visited, order, consumer);
        }
        Map<Node, String> names = uniqueNames(order);
        checkCycles(order, names);
        return new Graph(List.copyOf(sinks), List.copyOf(order), names);
    }

    private static void topo(Node root, Set<Node> visited, List<Node> order, Map<Node, Node> consumer) {
        // Iterative post-order: a plan may be a long chain.
        Deque<Object[]> stack = new ArrayDeque<>();
        if (!visited.add(root)) {
            return;
        }
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Node n = (Node) top[0];
            int i = (Integer) top[1];
            if (i < n.upstreams.size()) {
                top[1] = i + 1;
                Node u = n.upstreams.get(i);
                Node prev = consumer.put(u, n);
                if (prev != null) {
                    throw new IllegalStateException("stage '" + u.name + "' feeds both '" + prev.name + "' and '"
                            + n.name + "': a stage has one output link; to share items between consumers use"
                            + " fanOut, to copy them start a second pipeline");
                }
                if (visited.add(u)) {
                    stack.push(new Object[] {u, 0});
                }
            } else {
                stack.pop();
                order.add(n);
            }
        }
    }

    private static Map<Node, String> uniqueNames(List<Node> order) {
        Map<Node, String> names = new IdentityHashMap<>();
        Set<String> explicit = new HashSet<>();
        for (Node n : order) {
            if (n.explicitName) {
                if (!explicit.add(n.name)) {
                    throw new IllegalArgumentException("two stages are named '" + n.name + "': stage names must be unique");
                }
                names.put(n, n.name);
            }
        }
        Set<String> used = new HashSet<>(explicit);
        for (Node n : order) {
            if (!n.explicitName) {
                String name = n.name;
                for (int k = 2; !used.add(name); k++) {
                    name = n.name + "#" + k;
                }
                names.put(n, name);
            }
        }
        return names;
    }

    private static void checkCycles(List<Node> order, Map<Node, String> names) {
        Map<Object, List<Node>> readersOfPort = new IdentityHashMap<>();
        for (Node n : order) {
            Object p = n.body.readsPort();
            if (p != null) {
                readersOfPort.computeIfAbsent(p, k -> new ArrayList<>()).add(n);
            }
        }
        if (readersOfPort.isEmpty()) {
            return;
        }
        Map<Node, List<Node>> next = new IdentityHashMap<>();
        for (Node n : order) {
            for (Node u : n.upstreams) {
                next.computeIfAbsent(u, k -> new ArrayList<>()).add(n);
            }
            Object p = n.body.writesPort();
            if (p != null && readersOfPort.containsKey(p)) {
                next.computeIfAbsent(n, k -> new ArrayList<>()).addAll(readersOfPort.get(p));
            }
        }
        Map<Node, Integer> state = new IdentityHashMap<>(); // 1: on the path, 2: done
        for (Node start : order) {
            if (state.containsKey(start)) {
                continue;
            }
            Deque<Node> path = new ArrayDeque<>();
            Deque<Integer> index = new ArrayDeque<>();
            path.push(start);
            index.push(0);
            state.put(start, 1);
            while (!path.isEmpty()) {
                Node n = path.peek();
                int i = index.pop();
                List<Node> out = next.getOrDefault(n, List.of());
                if (i < out.size()) {
                    index.push(i + 1);
                    Node m = out.get(i);
                    Integer s = state.get(m);
                    if (s == null) {
                        state.put(m, 1);
                        path.push(m);
                        index.push(0);
                    } else if (s == 1) {
                        List<String> cycle = new ArrayList<>();
                        List<Node> onPath = new ArrayList<>(path);
                        java.util.Collections.reverse(onPath);
                        for (int k = onPath.indexOf(m); k < onPath.size(); k++) {
                            cycle.add(names.get(onPath.get(k)));
                        }
                        cycle.add(names.get(m));
                        throw new PipelineCycleException(cycle);
                    }
                } else {
                    state.put(n, 2);
                    path.pop();
                }
            }
        }
    }

    /** Stage names in order, sources first. */
    public List<String> stageNames() {
        List<String> out = new ArrayList<>();
        for (Node n : order) {
            if (!n.isMerge()) {
                out.add(names.get(n));
            }
        }
        return out;
    }

    public List<Node> sinks() {
        return sinks;
    }

    /** Makes the links and threads, then starts them. If a thread cannot be made, nothing has started. */
    public PipelineRun start(Context parent, ThreadFactory factory) {
        PipelineRun run = new PipelineRun(parent, factory);
        Map<Node, StageRuntime> rt = new LinkedHashMap<>();
        for (Node n : order) {
            if (!n.isMerge()) {
                StageRuntime st = new StageRuntime(n, names.get(n), run);
                rt.put(n, st);
                run.stages.add(st);
            }
        }
        for (Node n : order) {
            if (n.isMerge() || n.upstreams.isEmpty()) {
                continue;
            }
            Node up = n.upstreams.get(0);
            List<Node> producers = new ArrayList<>();
            expand(up, producers);
            int writers = 0;
            StringBuilder name = new StringBuilder();
            for (Node p : producers) {
                writers += p.body.writers();
                name.append(name.length() == 0 ? "" : "+").append(names.get(p));
            }
            name.append("->").append(names.get(n));
            Link link = new Link(name.toString(), up.capacity, up.overflow, writers, n.body.readers());
            run.links.add(link);
            rt.get(n).in = link;
            for (Node p : producers) {
                rt.get(p).out = link;
            }
        }
        for (StageRuntime st : rt.values()) {
            st.node.body.launch(st);
        }
        for (StageRuntime st : rt.values()) {
            run.links.addAll(st.internalLinks);
        }
        run.startAll();
        return run;
    }

    private static void expand(Node n, List<Node> producers) {
        if (n.isMerge()) {
            for (Node u : n.upstreams) {
                expand(u, producers);
            }
        } else {
            producers.add(n);
        }
    }

}
