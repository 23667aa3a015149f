import { join } from 'node:path';
import { TEMPORAL_AUDIENCE } from '../../keycloak/temporal-access';
import type { ProductionContext } from '../production/context';
import { StackError } from '../errors';
import { ComponentName, temporalRealmUrls } from '../state';
import type { ComponentSpec, StackContext } from './component';
import { etcdComponent } from './etcd';
import { istiodComponent } from './istiod';
import { keycloakComponent, keycloakProductionComponent } from './keycloak';
import { kubeApiserverComponent } from './kube-apiserver';
import { kubeControllerManagerComponent, kubeSchedulerComponent, kwokComponent } from './kube-controllers';
import { postgresqlComponent } from './postgresql';
import { sidecarInjectorComponent } from './sidecar-injector';
import { TEMPORAL_NAMESPACE } from './temporal';
import { temporalDevelopmentServerComponent, temporalServerComponent } from './temporal-server';
import { temporalDevelopmentUiComponent, temporalUiComponent } from './temporal-ui';

const KWOK_STAGES = join(__dirname, '..', 'kwok', 'stages.yaml');

function needsProduction(name: ComponentName, production: ProductionContext | undefined): ProductionContext {
  if (!production) throw new StackError(`${name} belongs to the production profile`);
  return production;
}

/** How to run each component of a stack; `production` is set for the production profile. */
export function componentSpec(name: ComponentName, ctx: StackContext, production?: ProductionContext): ComponentSpec {
  switch (name) {
    case 'etcd':
      return etcdComponent(ctx);
    case 'kube-apiserver':
      return kubeApiserverComponent(ctx);
    case 'kube-controller-manager':
      return kubeControllerManagerComponent(ctx);
    case 'kube-scheduler':
      return kubeSchedulerComponent(ctx);
    case 'kwok':
      return kwokComponent(ctx, KWOK_STAGES);
    case 'istiod':
      return istiodComponent(ctx);
    case 'sidecar-injector':
      return sidecarInjectorComponent(ctx);
    case 'postgresql': {
      const p = needsProduction(name, production);
      return postgresqlComponent(ctx, p.postgresBin, p.postgresUser);
    }
    case 'temporal':
      return production ? temporalServerComponent(ctx, production.passwords.temporal, production.temporalTls, { jwksUrl: temporalRealmUrls(production.temporalAccess).keys, audience: TEMPORAL_AUDIENCE }) : temporalDevelopmentServerComponent(ctx);
    case 'temporal-ui':
      return production ? temporalUiComponent(ctx, TEMPORAL_NAMESPACE, production) : temporalDevelopmentUiComponent(ctx, TEMPORAL_NAMESPACE);
    case 'keycloak':
      return production ? keycloakProductionComponent(ctx, production.keycloakTls, production.passwords.keycloak) : keycloakComponent(ctx);
  }
}
