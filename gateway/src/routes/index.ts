import type { RouteDef } from '../route-table';
import { adminAkamaiRoutes } from './admin-akamai';
import { adminDomainRoutes } from './admin-domains';
import { adminLimitRoutes } from './admin-limits';
import { adminServiceStatusRoutes } from './admin-service-status';
import { adminServiceRoutes } from './admin-services';
import { certificateRoutes } from './certificates';
import { flavorRoutes } from './flavors';
import { healthRoutes } from './health';
import { homeRoutes } from './home';
import { serviceRoutes } from './services';

/** Every public route of the gateway (docs/behaviour.md §3). */
export const ROUTES: RouteDef[] = [
  ...homeRoutes,
  ...healthRoutes,
  ...serviceRoutes,
  ...flavorRoutes,
  ...adminLimitRoutes,
  ...adminServiceRoutes,
  ...adminServiceStatusRoutes,
  ...adminDomainRoutes,
  ...adminAkamaiRoutes,
  ...certificateRoutes,
];
