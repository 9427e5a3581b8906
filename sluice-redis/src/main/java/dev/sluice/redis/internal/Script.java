package dev.sluice.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script run with EVALSHA (one round trip, the script's text is not resent), falling back to EVAL
 * when the server does not know it (first use, or after a restart flushed its script cache). EVAL also
 * caches the script, so the fallback happens once per server start.
 */
public final class Script {
    private final String name;
    private final byte[] source;
    private final String sha;

    public Script(String name, String source) {
        this.name = name;
        this.source = source.getBytes(StandardCharsets.UTF_8);
        this.sha = sha1(this.source);
    }

    public String name() {
        return name;
    }

    /** Runs the script; the future completes with Lettuce's decoding of a MULTI reply (Long, byte[], List, or null). */
    public CompletableFuture<Object> run(RedisAsyncCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
        CompletableFuture<Object> first = redis.<Object>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
        return first.handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(v);
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisCommandExecutionException && String.valueOf(cause.getMessage()).startsWith("NOSCRIPT")) {
                return redis.<Object>eval(source, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<Object>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /**
     * The single value of a script that returns a scalar (an integer, a string, or nil): Lettuce's MULTI
     * output wraps such a reply in a one-element list.
     */
    public static Object scalar(Object reply) {
        if (reply instanceof java.util.List<?> l) {
            return l.isEmpty() ? null : l.get(0);
        }
        return reply;
    }

    private static String sha1(byte[] text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JDK", e);
        }
    }
}
