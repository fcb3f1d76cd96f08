/**
 * The policy's translation into netfence's nftables tables ({@link
 * netfence.render.nft.NftPolicy}): a pure function from a host's policy to
 * the {@link netfence.nft.Nft} AST, and from one VM interface to its set
 * elements.
 */
package netfence.render.nft;
