/** JMH benchmarks comparing sluice with the JDK's queues, jox and Go. */
package dev.sluice.bench;
