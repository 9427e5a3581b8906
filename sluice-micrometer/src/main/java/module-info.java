/**
 * sluice-micrometer: Micrometer meters for sluice channels, pools, limiters and HTTP admission control.
 * Micrometer has no module descriptor; it is required by its automatic module name {@code micrometer.core}.
 * sluice-http is optional: only {@code AdmissionControlMetrics} needs it.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.sluice.micrometer {
    requires transitive dev.sluice;
    requires static dev.sluice.http;
    requires transitive micrometer.core;

    exports dev.sluice.micrometer;
}
