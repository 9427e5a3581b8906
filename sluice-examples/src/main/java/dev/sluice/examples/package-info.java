/** Runnable examples of sluice; each stops by itself and prints what it shows. */
package dev.sluice.examples;
