/**
 * {@code netfence lab}: the inventory's hosts and VMs as network namespaces
 * ({@link netfence.lab.Topology}), netfence applied in the host namespace,
 * every case of {@link netfence.verify.Cases} sent as a real frame with
 * {@code rawpkt.py} ({@link netfence.lab.PacketTool}), observed by capture
 * or drop counter ({@link netfence.lab.Observation}), and everything torn
 * down again ({@link netfence.lab.Sandbox}). Entry point: {@link netfence.lab.Lab}.
 */
package netfence.lab;
