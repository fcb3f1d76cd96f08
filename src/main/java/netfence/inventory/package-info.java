/**
 * Reading an inventory: YAML (or JSON, which is YAML 1.2) with every node's
 * position, strict typing, and every problem collected with its position.
 * The output is a validated {@link netfence.model.Inventory}; nothing in
 * here touches the host.
 */
package netfence.inventory;
