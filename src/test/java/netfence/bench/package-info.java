/**
 * The benchmark behind the README's numbers ({@code bench/run}): data-plane
 * packet rates in network namespaces against two baselines measured in the
 * same run (no filter; one rule per VM), and control-plane timings. Not
 * part of the CLI.
 */
package netfence.bench;
