import type { ConfigError } from './config-error.js';
import type { AllAttemptsFailedError, NoAvailableModelError, NoCompatibleModelError } from './execution-errors.js';
import type { ProviderConnectionError, ProviderHttpError, ProviderProtocolError, ProviderTimeoutError } from './provider-errors.js';
import type {
  AbortedError,
  AuthenticationError,
  ForbiddenError,
  InternalError,
  InvalidRequestError,
  MethodNotAllowedError,
  MisdirectedRequestError,
  NotFoundError,
  OverloadedError,
  PayloadTooLargeError,
} from './request-errors.js';
import type { ShutdownError } from './shutdown-error.js';
import type { SwitchyardError } from './switchyard-error.js';

/** Every concrete error class, as a union discriminated by `kind`. */
export type AnySwitchyardError =
  | ConfigError
  | InvalidRequestError
  | AuthenticationError
  | ForbiddenError
  | MisdirectedRequestError
  | NotFoundError
  | MethodNotAllowedError
  | PayloadTooLargeError
  | OverloadedError
  | NoAvailableModelError
  | NoCompatibleModelError
  | ProviderHttpError
  | ProviderConnectionError
  | ProviderTimeoutError
  | ProviderProtocolError
  | AbortedError
  | ShutdownError
  | AllAttemptsFailedError
  | InternalError;

/** Narrows a SwitchyardError to the union, so a switch on `kind` sees each class's fields. */
export function asKnownError(error: SwitchyardError): AnySwitchyardError {
  return error as AnySwitchyardError;
}
