import type { RouteDef } from '../route-table';
import { adminLimitRoutes } from './admin-limits';
import { adminServiceRoutes } from './admin-services';
import { certificateRoutes } from './certificates';
import { flavorRoutes } from './flavors';
import { healthRoutes } from './health';
import { homeRoutes } from './home';
import { serviceRoutes } from './services';

/** Every public route of the gateway (reference §3). */
export const ROUTES: RouteDef[] = [
  ...homeRoutes,
  ...healthRoutes,
  ...serviceRoutes,
  ...flavorRoutes,
  ...adminLimitRoutes,
  ...adminServiceRoutes,
  ...certificateRoutes,
];
