/**
 * The desired state of a host (or, later, a cluster): a {@link
 * netfence.store.StateStore} holds the inventory's objects, validates every
 * change exactly as {@code netfence check} does, allocates what a VM is
 * created without, makes each acknowledged change durable, and tells
 * listeners (the agent) after each commit. Implementations: embedded
 * (SQLite) now; etcd for clusters later.
 */
package netfence.store;
