import { parseArgs, type JsonObject, type SchemeEvent } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/** Signup 150,00 ₽, subscription 500,00 ₽, install 30,00 ₽; leads are not paid. */
const ACTIONS: JsonObject = {
  actions: [
    { type: 'SIGNUP', amount: '15000' },
    { type: 'SUBSCRIPTION', amount: '50000' },
    { type: 'INSTALL', amount: '3000' },
  ],
};

/** An action event: no amount of its own, attributed to Anna. */
function action(type: string, id: string, externalId: string, overrides: Partial<SchemeEvent> = {}): SchemeEvent {
  return testEvent({ id, externalId, type, amount: null, currency: null, ...overrides });
}

const signup = action('SIGNUP', 'event-1', 'SU-1');
const subscription = action('SUBSCRIPTION', 'event-2', 'SUB-2');
const install = action('INSTALL', 'event-3', 'IN-3');
const lead = action('LEAD', 'event-4', 'L-4');

describeRewardSchemeConformance(scheme, {
  validArgs: [ACTIONS, { actions: [{ type: 'LEAD', amount: '1' }] }],
  samples: [
    { name: 'signup', event: signup },
    { name: 'subscription', event: subscription },
    { name: 'install', event: install },
    { name: 'lead not listed', event: lead },
    { name: 'lead listed', event: lead, args: { actions: [{ type: 'LEAD', amount: '1' }] } },
  ],
});

async function evaluate(raw: JsonObject, event: SchemeEvent, ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  // `evaluate` is optional in the contract (a scheme may only close periods); this one has it.
  return scheme.evaluate!(event, parsed.values, ctx);
}

describe('cpa', () => {
  it('pays the fixed amount for the action type', async () => {
    // Signup: 15 000 kopecks = 150,00 ₽
    expect(await evaluate(ACTIONS, signup)).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'MONEY',
        amount: 15_000n,
        unit: 'RUB',
        key: 'action:event-1',
        explanation: { en: 'Signup (ref SU-1): RUB 150.00', ru: `Регистрация (№ SU-1): 150,00${NBSP}₽` },
        details: { type: 'SIGNUP', amount: '15000' },
      },
    ]);
  });

  it('pays each listed type its own amount', async () => {
    // Subscription: 50 000 kopecks = 500,00 ₽
    const [paidSubscription] = await evaluate(ACTIONS, subscription);
    expect(paidSubscription.amount).toBe(50_000n);
    expect(paidSubscription.key).toBe('action:event-2');
    expect(paidSubscription.explanation).toEqual({ en: 'Subscription (ref SUB-2): RUB 500.00', ru: `Подписка (№ SUB-2): 500,00${NBSP}₽` });
    // Install: 3 000 kopecks = 30,00 ₽
    const [paidInstall] = await evaluate(ACTIONS, install);
    expect(paidInstall.amount).toBe(3_000n);
    expect(paidInstall.explanation).toEqual({ en: 'Install (ref IN-3): RUB 30.00', ru: `Установка (№ IN-3): 30,00${NBSP}₽` });
  });

  it('pays leads when they are listed', async () => {
    // Lead: 2 500 kopecks = 25,00 ₽
    const [draft] = await evaluate({ actions: [{ type: 'LEAD', amount: '2500' }] }, lead);
    expect(draft.amount).toBe(2_500n);
    expect(draft.explanation).toEqual({ en: 'Lead (ref L-4): RUB 25.00', ru: `Лид (№ L-4): 25,00${NBSP}₽` });
  });

  it('pays nothing for a type that is not listed', async () => {
    expect(await evaluate(ACTIONS, lead)).toEqual([]);
    expect(await evaluate({ actions: [{ type: 'LEAD', amount: '2500' }] }, signup)).toEqual([]);
  });

  it('applies the first entry for a type', async () => {
    const twice: JsonObject = {
      actions: [
        { type: 'SIGNUP', amount: '15000' },
        { type: 'SIGNUP', amount: '99900' },
      ],
    };
    // 15 000, not 99 900
    expect((await evaluate(twice, signup)).map((draft) => draft.amount)).toEqual([15_000n]);
  });

  it('pays one entry per event', async () => {
    const [first] = await evaluate(ACTIONS, signup);
    const [second] = await evaluate(ACTIONS, action('SIGNUP', 'event-9', 'SU-9'));
    expect([first.key, second.key]).toEqual(['action:event-1', 'action:event-9']);
  });

  it('pays in the campaign currency, whatever the event carries', async () => {
    const usd = createTestContext({ campaign: { currency: 'USD' } });
    // 15 000 cents = USD 150.00
    const [draft] = await evaluate(ACTIONS, signup, usd);
    expect([draft.unit, draft.amount]).toEqual(['USD', 15_000n]);
    expect(draft.explanation.en).toBe('Signup (ref SU-1): USD 150.00');
    // A subscription reported with a price in EUR still pays the fixed 50 000 RUB kopecks.
    const priced = action('SUBSCRIPTION', 'event-5', 'SUB-5', { amount: 999n, currency: 'EUR' });
    expect((await evaluate(ACTIONS, priced)).map((paid) => [paid.unit, paid.amount])).toEqual([['RUB', 50_000n]]);
  });

  it('pays the partner the action is attributed to', async () => {
    const maria = testPartner({ id: 'partner-maria', name: 'Maria', kind: 'INFLUENCER' });
    const [draft] = await evaluate(ACTIONS, action('INSTALL', 'event-6', 'IN-6', { partner: maria }));
    expect(draft.partnerId).toBe('partner-maria');
  });

  it('takes one to four entries, of the four action types only', () => {
    const five = { actions: [...(ACTIONS.actions as JsonObject[]), { type: 'LEAD', amount: '1' }, { type: 'LEAD', amount: '2' }] };
    const tooMany = parseArgs(scheme.args, five);
    expect(tooMany.ok ? [] : tooMany.issues.map((issue) => issue.path)).toEqual(['args.actions']);
    const none = parseArgs(scheme.args, { actions: [] });
    expect(none.ok ? [] : none.issues.map((issue) => issue.path)).toEqual(['args.actions']);
    const unknown = parseArgs(scheme.args, { actions: [{ type: 'CLICK', amount: '100' }] });
    expect(unknown.ok ? [] : unknown.issues.map((issue) => issue.path)).toEqual(['args.actions[0].type']);
  });
});
