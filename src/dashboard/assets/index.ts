import { createHash } from 'node:crypto';
import type { Outgoing } from '../http/types.js';
import { SCRIPT } from './script.js';
import { STYLES } from './styles.js';

interface Asset {
  name: string;
  type: string;
  body: string;
}

function fingerprinted(base: string, ext: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${base}.${hash}.${ext}`, type, body };
}

/** Assets named by their content's hash, so they can be cached forever. */
const ASSETS: readonly Asset[] = [
  fingerprinted('dashboard', 'css', 'text/css; charset=utf-8', STYLES),
  fingerprinted('dashboard', 'js', 'text/javascript; charset=utf-8', SCRIPT),
];

/** Paths of the stylesheet and script under `/assets/`. */
export const ASSET_PATHS = {
  css: `/assets/${ASSETS[0]!.name}`,
  js: `/assets/${ASSETS[1]!.name}`,
};

/** The asset at `path` (inside the dashboard), or null. */
export function serveAsset(path: string): Outgoing | null {
  const asset = ASSETS.find((a) => `/assets/${a.name}` === path);
  if (!asset) return null;
  return {
    status: 200,
    headers: {
      'content-type': asset.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
    },
    body: asset.body,
  };
}
