/**
 * The REST API of {@code netfence serve} ({@code openapi/netfence-v1.yaml}):
 * {@link netfence.api.ApiServer} serves a {@link netfence.state.StateService}
 * over HTTP on a Unix domain socket (and TCP with a bearer token): objects in
 * pages, the inventory and the change feed streamed, the libvirt hook's
 * endpoint, and every refusal a 4xx/5xx with a message. {@link
 * netfence.api.ApiClient} is what the CLI talks to it with, and {@link
 * netfence.api.Status} the status both read and write. The agent comes in
 * through {@link netfence.api.AgentView}.
 */
package netfence.api;
