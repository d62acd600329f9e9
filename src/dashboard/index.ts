export type { Dashboard } from './create-dashboard.js';
export { createDashboard } from './create-dashboard.js';
export type { DashboardRequest } from './http/types.js';
export type { DashboardOptions } from './options.js';
export type { DashboardAction, DashboardPermissions, PermissionsOption } from './permissions.js';
export { DASHBOARD_ACTIONS } from './permissions.js';
export type {
  Authorizer,
  BasicAuthOptions,
  BearerTokenOptions,
  SignInLimitOptions,
} from './security/auth.js';
export { basicAuth, bearerToken, limitSignIns, TooManySignInsError } from './security/auth.js';
