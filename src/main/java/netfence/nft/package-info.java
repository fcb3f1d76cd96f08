/**
 * The nftables model netfence speaks: the AST of its tables ({@link
 * netfence.nft.Nft}, over the {@link netfence.nft.Field}s its rules match),
 * canonical values ({@link netfence.nft.Values}), the text form ({@link
 * netfence.nft.NftText}), the reader of live tables from {@code nft -j}
 * ({@link netfence.nft.NftJson}), and changes to the kernel as typed
 * commands ({@link netfence.nft.NftCommand}) with one writer ({@link
 * netfence.nft.NftScript}). Families, set names and drop reasons are enums
 * ({@link netfence.nft.Family}, {@link netfence.nft.SetName}, {@link
 * netfence.nft.Reason}). Nothing here knows the inventory: the policy's
 * translation into tables is {@code render/nft}.
 */
package netfence.nft;
