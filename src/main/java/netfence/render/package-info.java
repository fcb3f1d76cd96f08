/**
 * Renderers: pure functions from the model and a host's policy to text. One
 * subpackage per target (nft, networkd, libvirt, nixos); {@link
 * netfence.render.Artefacts} gathers a host's files in the layout DESIGN.md
 * gives.
 */
package netfence.render;
