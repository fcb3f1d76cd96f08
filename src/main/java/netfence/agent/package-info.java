/**
 * {@code netfence serve}'s agent: keeps one host's data plane matching the
 * desired state as it changes (store changes) and as taps come and go (link
 * events), with per-VM states and Prometheus metrics.
 */
package netfence.agent;
