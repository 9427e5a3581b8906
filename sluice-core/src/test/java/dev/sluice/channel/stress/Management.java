package dev.sluice.channel.stress;

import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * The two JVM management calls these tests need, made reflectively. The tests are compiled inside the
 * {@code dev.sluice} module, which (rightly) does not read {@code java.management} or
 * {@code jdk.management}, so they cannot name those types; at run time Surefire uses the class path, where
 * the calls are allowed.
 */
final class Management {

    private Management() { }

    /** {@code ThreadMXBean.getThreadCpuTime(threadId)}: CPU nanoseconds used by a live platform thread, -1 if unknown. */
    static long threadCpuTime(long threadId) {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Class<?> type = Class.forName("java.lang.management.ThreadMXBean");
            if (!(boolean) type.getMethod("isThreadCpuTimeSupported").invoke(bean)) {
                throw new IllegalStateException("this JVM does not measure thread CPU time");
            }
            return (long) type.getMethod("getThreadCpuTime", long.class).invoke(bean, threadId);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code HotSpotDiagnosticMXBean.dumpThreads(file, JSON)}: every live thread, virtual ones included. */
    static void dumpThreadsAsJson(Path file) {
        try {
            Class<?> type = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
            Object bean = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getPlatformMXBean", Class.class).invoke(null, type);
            Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
            Object json = format.getMethod("valueOf", String.class).invoke(null, "JSON");
            Method dump = type.getMethod("dumpThreads", String.class, format);
            dump.invoke(bean, file.toString(), json);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
