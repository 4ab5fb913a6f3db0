import { ApiKey } from '../auth/api-key.entity.js';
import { Campaign } from '../campaigns/campaign.entity.js';
import { SchemeInstance } from '../campaigns/scheme-instance.entity.js';
import { Coupon } from '../coupons/coupon.entity.js';
import { Customer } from '../customers/customer.entity.js';
import { PartnerEvent } from '../events/event.entity.js';
import { PartnerClosure } from '../hierarchy/partner-closure.entity.js';
import { Reward } from '../ledger/reward.entity.js';
import { Partner } from '../partners/partner.entity.js';
import { PerkFulfilment } from '../perks/perk-fulfilment.entity.js';
import { PeriodClose } from '../periods/period-close.entity.js';
import { Program } from '../programs/program.entity.js';
import { Region } from '../regions/region.entity.js';

export const entities = [
  Program,
  Region,
  Partner,
  PartnerClosure,
  Customer,
  Coupon,
  Campaign,
  SchemeInstance,
  PartnerEvent,
  Reward,
  ApiKey,
  PeriodClose,
  PerkFulfilment,
];
