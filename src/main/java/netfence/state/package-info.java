/**
 * The state service: the desired state in memory, validated one change at a
 * time against indexes ({@link netfence.inventory.Claims}), with what a VM
 * leaves out allocated, committed to a thin {@link netfence.store.Store}
 * (many requests per commit, one fsync), and published after the commit as
 * {@link netfence.state.Change}s to subscribers such as the agent, outside
 * any lock. ONOS's "state service over a store" role.
 */
package netfence.state;
