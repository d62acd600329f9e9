import type { Clock } from '../../index.js';
import type { PageBody } from '../html/layout.js';
import type { PageContext } from '../pages/context.js';
import type { Deps } from '../pages/deps.js';

/** What an action answers: a redirect to the page that shows its outcome (POST/redirect/GET), or a page. */
export type ActionResult = { redirect: string } | { page: PageBody; status?: number; noStore?: boolean };

export interface ActionDeps extends Deps {
  clock: Clock;
  runWaitMs: number;
  /** Nonces of "add endpoint" forms already used, so a re-posted form does not add a second endpoint. */
  usedNonces: Map<string, string>;
}

export type ActionHandler = (
  ctx: PageContext,
  deps: ActionDeps,
  form: URLSearchParams,
  id: string,
) => Promise<ActionResult>;
