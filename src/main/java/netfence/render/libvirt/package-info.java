/**
 * libvirt: netfence's nwfilter set and each VM's {@code <interface>} elements
 * with a {@code <filterref>} and its parameters, for hosts that must stay on
 * libvirt's filtering. {@link netfence.render.libvirt.LibvirtFiles} is the
 * entry point; the filters were proven on libvirt 9.0 with ebtables-nft,
 * including the trailing {@code return} every partial sub-filter needs.
 */
package netfence.render.libvirt;
