/**
 * The REST API of {@code netfence serve} ({@code openapi/netfence-v1.yaml}):
 * {@link netfence.api.ApiServer} serves a {@link netfence.state.StateService}
 * over HTTP on a Unix domain socket (and TCP with a bearer token), and
 * {@link netfence.api.ApiClient} is what the CLI talks to it with. The
 * agent's status and metrics come in through {@link netfence.api.AgentView}.
 */
package netfence.api;
