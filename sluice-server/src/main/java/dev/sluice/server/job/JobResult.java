package dev.sluice.server.job;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a finished job measured, as {@code GET /jobs/{id}} and {@code POST /jobs?wait=true} report it.
 *
 * @param kind          {@code cpu}, {@code io} or {@code sha256}
 * @param elapsedMillis how long the work took on its worker, in milliseconds
 * @param cpuMillis     for {@code cpu}: the CPU time burnt
 * @param sha256        for {@code sha256}: the digest, lower-case hex
 * @param bytes         for {@code sha256}: how many bytes were hashed
 * @param sink          a value computed from the busy loop so the JIT cannot drop it; not reported
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobResult(String kind, double elapsedMillis, Double cpuMillis, String sha256, Integer bytes,
        @JsonIgnore int sink) {
}
