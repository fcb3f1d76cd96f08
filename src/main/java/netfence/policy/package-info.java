/**
 * The per-host policy: from the whole inventory, what one host must enforce.
 * Every VM interface on the host becomes a {@link netfence.policy.Port}: a
 * tap with the MAC, exact addresses and prefixes it may send from. Renderers
 * and the data-plane driver read only this.
 */
package netfence.policy;
