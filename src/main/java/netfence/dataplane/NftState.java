package netfence.dataplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftJson;

/**
 * netfence's live tables, by family, read back with {@code nft -j list
 * table FAMILY netfence}. Other tables are never listed. A netfence table
 * the reader cannot represent (someone edited it by hand) is kept as the
 * reason, so that apply replaces it.
 */
final class NftState {
  /** One live netfence table: what it holds, or why it could not be read. */
  record Live(Optional<Nft.Table> table, Optional<String> unreadable) {}

  private NftState() {}

  static Map<Family, Live> read(NftSession nft) {
    var tables = nft.json("list tables");
    if (!tables.ok()) throw new ApplyException("nft -j list tables failed: " + tables.error().strip());
    var out = new LinkedHashMap<Family, Live>();
    for (Family family : netfenceFamilies(tables.output())) {
      var r = nft.json("list table " + family.nft() + " " + Nft.TABLE);
      if (!r.ok()) throw new ApplyException("nft -j list table " + family.nft() + " " + Nft.TABLE + " failed: " + r.error().strip());
      try {
        var read = NftJson.read(r.output());
        out.put(family, new Live(read.stream().filter(t -> t.name().equals(Nft.TABLE)).findFirst(), Optional.empty()));
      } catch (NftJson.NotRepresentable e) {
        out.put(family, new Live(Optional.empty(), Optional.of(e.getMessage())));
      }
    }
    return out;
  }

  private static Iterable<Family> netfenceFamilies(String json) {
    try {
      var families = new java.util.ArrayList<Family>();
      for (JsonNode item : new ObjectMapper().readTree(json).path("nftables")) {
        JsonNode t = item.get("table");
        if (t != null && t.path("name").asText().equals(Nft.TABLE)) families.add(Family.of(t.path("family").asText()));
      }
      return families;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ApplyException("nft -j list tables: not JSON: " + e.getOriginalMessage());
    }
  }
}
