// One error factory producing ARM's error codes, messages and HTTP statuses.

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** A body that is not ARM's `{ error }` envelope (Compute's throttling answer). */
  private readonly raw: unknown;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}, raw?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.raw = raw;
  }
  // rule: arm.error.envelope — source: reference/arm-contract.md §6 (errors are { error: { code, message, details } })
  body(): unknown {
    return this.raw ?? this.envelope();
  }
  envelope(): { error: { code: string; message: string; details: unknown[] } } {
    return { error: { code: this.code, message: this.message, details: [] } };
  }
}

export const errors = {
  missingApiVersion: () =>
    new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.'),
  invalidApiVersion: (version: string, supported: readonly string[]) =>
    new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}'.`),
  noRegisteredProvider: (version: string, type: string, supported: readonly string[]) =>
    new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location 'global' and API version '${version}' for type '${type}'. ` +
        `The supported api-versions are '${supported.join(', ')}'. The supported locations are ', global'.`,
    ),
  invalidResourceNamespace: (ns: string) => new ArmError(400, 'InvalidResourceNamespace', `The resource namespace '${ns}' is invalid.`),
  invalidResourceType: (type: string, ns: string, version: string) =>
    new ArmError(400, 'InvalidResourceType', `The resource type '${type}' could not be found in the namespace '${ns}' for api version '${version}'.`),
  pathNotFound: (path: string) => new ArmError(404, 'NotFound', `The requested path '${path}' was not found.`),
  subscriptionNotFound: (sid: string) => new ArmError(404, 'SubscriptionNotFound', `The subscription '${sid}' could not be found.`),
  resourceGroupNotFound: (rg: string) => new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  // rule: arm.error.not-found — source: reference/arm-contract.md §6 (404 ResourceNotFound / ResourceGroupNotFound through the default response)
  resourceNotFound: (typeAndName: string, rg: string | undefined) =>
    new ArmError(
      404,
      'ResourceNotFound',
      `The Resource '${typeAndName}' under resource group '${rg ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  parentResourceNotFound: (parent: string) =>
    new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${parent}' not found.`),
  operationNotFound: (id: string) => new ArmError(404, 'NotFound', `The operation '${id}' was not found.`),
  // rule: auth.token-missing — invented: AuthenticationFailed / InvalidAuthenticationToken / ExpiredAuthenticationToken wording as ARM answers, not from a saved source
  noAuthorizationHeader: () =>
    new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
      'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
    }),
  invalidToken: () =>
    new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', {
      'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is invalid."',
    }),
  invalidAudience: (audience: string, allowed: readonly string[]) =>
    new ArmError(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed audiences ${allowed.map((a) => `'${a}'`).join(',')}.`,
    ),
  expiredToken: (expiry: Date, now: Date) =>
    new ArmError(
      401,
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${expiry.toUTCString()}' is earlier than current UTC time '${now.toUTCString()}'.`,
    ),
  authorizationFailed: (clientId: string, objectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      'AuthorizationFailed',
      `The client '${clientId}' with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' ` +
        'or the scope is invalid. If access was recently granted, please refresh your credentials.',
    ),
  linkedAuthorizationFailed: (clientId: string, objectId: string, action: string, scope: string, linkedAction: string, linkedScope: string) =>
    new ArmError(
      403,
      'LinkedAuthorizationFailed',
      `The client '${clientId}' with object id '${objectId}' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action '${linkedAction}' on the linked scope(s) '${linkedScope}' or the linked scope(s) are invalid.`,
    ),
  // rule: arm.throttle.429 — source: reference/arm-contract.md §6 (429 TooManyRequests with Retry-After)
  tooManyRequests: (category: string, sid: string, retryAfter: number) =>
    new ArmError(
      429,
      'TooManyRequests',
      `Number of '${category}' requests for subscription '${sid}' exceeded. Please try again after '${retryAfter}' seconds after additional tokens are available. ` +
        'Refer to https://aka.ms/arm-throttling for additional information.',
      { 'retry-after': String(retryAfter) },
    ),
  methodNotAllowed: (method: string) =>
    new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`),
  invalidRequestContent: (detail: string) =>
    new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${detail}'.`),
  // rule: arm.location-required — source: reference/arm-contract.md §3 (location is required on tracked resources); wording invented
  locationRequired: () => new ArmError(400, 'LocationRequired', 'The location property is required for this definition.'),
  preconditionFailed: (id: string) =>
    new ArmError(412, 'PreconditionFailed', `The condition specified using HTTP conditional header(s) is not met for resource '${id}'.`),
  // rule: insights.association.endpoint-name — source: Azure/arm-template-whatif#282 via reference/arm-contract-wave2.md §15.2 (InvalidEndpointAssociationName)
  invalidEndpointAssociationName: (name: string) =>
    new ArmError(
      400,
      'InvalidEndpointAssociationName',
      `Data collection endpoint associations must be named 'configurationAccessEndpoint'; '${name}' is not allowed.`,
    ),
  invalidAssociation: (message: string) => new ArmError(400, 'InvalidPayload', message),
  // rule: insights.linked-missing — invented: a write naming a resource that does not exist is refused; Azure's code and wording for it were not found
  linkedResourceNotFound: (id: string) => new ArmError(400, 'InvalidPayload', `The referenced resource '${id}' does not exist.`),
  badRequest: (code: string, message: string) => new ArmError(400, code, message),
  conflict: (code: string, message: string) => new ArmError(409, code, message),
  provisioningInProgress: () => new ArmError(409, 'Conflict', "Cannot modify resource while in provisioning state: 'Provisioning'"),
  duplicateScopedResource: () => new ArmError(409, 'Conflict', 'Scoped resource with same linked resource id already exists in this private link scope'),
  unsupportedAssociationScope: (type: string, supported: readonly string[]) =>
    new ArmError(400, 'InvalidPayload', `Association cannot be created for resource of type '${type}'. Supported types are: ${supported.join(',')}`),
  computeThrottled: (policy: string, allowed: number, measured: number, startTime: string, endTime: string, retryAfter: number) =>
    new ArmError(
      429,
      'OperationNotAllowed',
      'The server rejected the request because too many requests have been received for this subscription.',
      { 'retry-after': String(retryAfter) },
      {
        code: 'OperationNotAllowed',
        message: 'The server rejected the request because too many requests have been received for this subscription.',
        details: [{ code: 'TooManyRequests', target: policy, message: JSON.stringify({ operationGroup: policy, startTime, endTime, allowedRequestCount: allowed, measuredRequestCount: measured }) }],
      },
    ),
  // rule: faults.lro-failed — invented: fault injection; the error a failed operation reports
  operationFailed: () =>
    new ArmError(500, 'InternalOperationError', 'The long-running operation failed. Retry the request; if the problem persists, contact support.'),
  /** An unexpected failure inside the emulator, answered as ARM answers its own. */
  internal: (detail: string) => new ArmError(500, 'InternalServerError', detail),
  // rule: faults.server-error — invented: fault injection (5xx, throttling storms, resets, latency)
  serverError: (status: number) =>
    new ArmError(status, status === 503 ? 'ServiceUnavailable' : 'InternalServerError', 'The server encountered an internal error. Please retry the request.'),
};
