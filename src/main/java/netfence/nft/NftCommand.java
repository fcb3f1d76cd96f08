package netfence.nft;

import java.util.List;

/**
 * One change to netfence's own tables. A list of them is written as one nft
 * script by {@link NftScript}, which the kernel runs as one transaction: all
 * of it applies, or none. No command names a table that is not netfence's.
 *
 * <pre>{@code
 * var tx = List.<NftCommand>of(
 *     new NftCommand.DeleteElements(Family.BRIDGE, SetName.IP4_ADDR, List.of(old)),
 *     new NftCommand.AddElements(Family.BRIDGE, SetName.IP4_ADDR, List.of(now)));
 * session.run(NftScript.write(tx));
 * }</pre>
 */
public sealed interface NftCommand {
  /** The family of the table the command changes. */
  Family family();

  /** Replaces a whole table atomically: create it if missing, delete it, define it. */
  record ReplaceTable(Nft.Table table) implements NftCommand {
    @Override
    public Family family() {
      return table.family();
    }
  }

  /** Deletes netfence's table of {@code family}; nothing happens when there is none. */
  record DeleteTable(Family family) implements NftCommand {}

  /** Adds elements to one set; adding one that is there already is no error. */
  record AddElements(Family family, SetName set, List<Nft.Element> elements) implements NftCommand {
    public AddElements {
      elements = List.copyOf(elements);
    }
  }

  /** Deletes elements of one set (a map's by their key alone); deleting one that is not there fails the transaction. */
  record DeleteElements(Family family, SetName set, List<Nft.Element> elements) implements NftCommand {
    public DeleteElements {
      elements = List.copyOf(elements);
    }
  }

  /** A replace of each table, in order. */
  static List<NftCommand> replace(List<Nft.Table> tables) {
    return tables.stream().<NftCommand>map(ReplaceTable::new).toList();
  }
}
