import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/core-plugin-api';
import { convertLegacyRouteRefs } from '@backstage/core-compat-api';

/** The ClusterMesh DNS page. */
export const rootRouteRef = createRouteRef({ id: 'clustermesh-dns' });

/** The cluster entity's ClusterMesh DNS tab (legacy apps mount it). */
export const entityContentRouteRef = createRouteRef({
  id: 'clustermesh-dns:entity-content',
});

/**
 * A template's page in the scaffolder, for "Configure DNS". Bound to the
 * scaffolder's selected-template route unless the app binds it elsewhere.
 */
export const scaffolderTemplateRouteRef = createExternalRouteRef({
  id: 'clustermesh-dns:scaffolder-template',
  params: ['namespace', 'templateName'],
  optional: true,
  defaultTarget: 'scaffolder.selectedTemplate',
});

// The same refs, usable by the new frontend system too (converted in place,
// so components resolve them with one `useRouteRef` in either system).
export const routes = convertLegacyRouteRefs({
  root: rootRouteRef,
  entityContent: entityContentRouteRef,
});
export const externalRoutes = convertLegacyRouteRefs({
  scaffolderTemplate: scaffolderTemplateRouteRef,
});
