import type { ConfigError } from './config-error.js';
import type { AllAttemptsFailedError, BudgetExceededError, DeploymentQuotaError, NoAvailableModelError, NoCompatibleModelError } from './execution-errors.js';
import type { ProviderConnectionError, ProviderHttpError, ProviderProtocolError, ProviderTimeoutError } from './provider-errors.js';
import type {
  AbortedError,
  AuthenticationError,
  ForbiddenError,
  InternalError,
  InvalidRequestError,
  KeyRateLimitError,
  MethodNotAllowedError,
  MisdirectedRequestError,
  NotFoundError,
  OverloadedError,
  PayloadTooLargeError,
  StateUnavailableError,
} from './request-errors.js';
import type { ShutdownError } from './shutdown-error.js';
import type { StartupError } from './startup-error.js';
import type { ErrorKind, SwitchyardError } from './switchyard-error.js';

/** Every concrete error class, as a union discriminated by `kind`. */
export type AnySwitchyardError =
  | ConfigError
  | StartupError
  | InvalidRequestError
  | AuthenticationError
  | ForbiddenError
  | MisdirectedRequestError
  | NotFoundError
  | MethodNotAllowedError
  | PayloadTooLargeError
  | OverloadedError
  | NoAvailableModelError
  | DeploymentQuotaError
  | KeyRateLimitError
  | BudgetExceededError
  | StateUnavailableError
  | NoCompatibleModelError
  | ProviderHttpError
  | ProviderConnectionError
  | ProviderTimeoutError
  | ProviderProtocolError
  | AbortedError
  | ShutdownError
  | AllAttemptsFailedError
  | InternalError;

/** Each class of the union under its kind. */
type ClassByKind = { [E in AnySwitchyardError as E['kind']]: E };

/**
 * The class of each `ErrorKind`. Indexing by every kind is what makes a kind without its class in
 * `AnySwitchyardError` a compile error here, instead of an error `asKnownError` hides.
 */
export type ErrorByKind = { [K in ErrorKind]: ClassByKind[K] };

/** Narrows a SwitchyardError to the union, so a switch on `kind` sees each class's fields. */
export function asKnownError(error: SwitchyardError): AnySwitchyardError {
  return error as AnySwitchyardError;
}
