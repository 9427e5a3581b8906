/**
 * Worker pools with a bounded queue, explicit overload signals ({@link dev.sluice.BusyException})
 * and explicit shutdown ({@link dev.sluice.pool.WorkerPool#drain drain} or
 * {@link dev.sluice.pool.WorkerPool#abort abort}).
 */
package dev.sluice.pool;
