/**
 * Proof, in the spirit of Batfish: the attack and legitimate cases for a
 * host ({@link netfence.verify.Cases}), each a {@link netfence.verify.Packet};
 * an {@link netfence.verify.Evaluator} that runs them through netfence's
 * nftables tables (as compiled, or read back from the kernel by {@link
 * netfence.nft.NftJson}) and says which rule decided; and the {@link
 * netfence.verify.Matrix} both {@code verify} and {@code lab} print.
 */
package netfence.verify;
