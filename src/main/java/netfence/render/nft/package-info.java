/**
 * nftables: a small AST of what netfence emits ({@link netfence.render.nft.Nft}),
 * the policy's translation into it ({@link netfence.render.nft.NftPolicy}) and
 * its text form ({@link netfence.render.nft.NftText}). The verifier evaluates
 * the same AST, whether built here or read back from the kernel as JSON.
 */
package netfence.render.nft;
