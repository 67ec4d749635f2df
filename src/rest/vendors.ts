import type { Vendor } from './endpoint.ts';
import { looker } from './looker.ts';
import { pace } from './pace.ts';
import { pubnub } from './pubnub.ts';
import { slashid } from './slashid.ts';

/** Every vendor API served beside GraphQL, one file each. */
export const restVendors: readonly Vendor[] = [slashid, pace, pubnub, looker];
