/**
 * The validated inventory as immutable records: hosts, networks (routed or
 * bridged), VMs and their interfaces with every address resolved, plus the
 * {@link netfence.model.AddressPlan} that derives addresses, taps and MACs
 * from a VM's index. Conventions: an address is an {@code IPAddress} without
 * prefix length; a prefix is a prefix block with its length.
 */
package netfence.model;
