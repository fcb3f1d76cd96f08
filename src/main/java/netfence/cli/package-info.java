/**
 * The command line: {@code netfence check|compile|apply|verify|lab}. Exit 0
 * on success, 1 when the input or the check failed, 2 on bad usage.
 */
package netfence.cli;
