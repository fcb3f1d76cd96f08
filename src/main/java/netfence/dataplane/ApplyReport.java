package netfence.dataplane;

import java.util.List;

/**
 * What an apply changed, or with {@code dryRun} would change: one
 * human-readable line per change ({@code nft: add element ...},
 * {@code ip: route replace ...}, {@code sysctl: net.ipv4.ip_forward=1}),
 * the same counted by kind ({@link Summary}), notes that are not changes
 * (a tap that does not exist yet, a loose {@code rp_filter}), and the exact
 * input sent (or that would be sent) to {@code nft -f} and {@code ip -batch}.
 */
public record ApplyReport(boolean dryRun, List<String> changes, List<String> notes, String nftScript, List<String> ipBatch,
    Summary summary) {
  public ApplyReport {
    changes = List.copyOf(changes);
    notes = List.copyOf(notes);
    ipBatch = List.copyOf(ipBatch);
  }

  /** Whether anything changed (or, in a dry run, would change). */
  public boolean changed() {
    return !changes.isEmpty();
  }
}
