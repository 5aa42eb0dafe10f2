import { describe, expect, it } from 'vitest';
import type { Gateway } from '../gateway/gateway.js';
import { GatewayHolder } from './gateway-holder.js';

/** A stand-in gateway that records when it is retired. */
function fakeGateway(name: string, events: string[]): Gateway {
  return {
    name,
    retire: async () => {
      events.push(`retired ${name}`);
    },
  } as unknown as Gateway;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GatewayHolder', () => {
  it('sends new requests to the new gateway at once, and retires the old one only when its requests are done', async () => {
    const events: string[] = [];
    const old = fakeGateway('old', events);
    const next = fakeGateway('next', events);
    const holder = new GatewayHolder(old);
    const first = holder.enter();
    const second = holder.enter();

    const retired = holder.replace(next).then(() => events.push('replace resolved'));
    const third = holder.enter();
    expect(first.gateway).toBe(old);
    expect(third.gateway).toBe(next);
    expect(holder.gateway).toBe(next);

    holder.leave(first);
    await turn();
    expect(events).toEqual([]);
    holder.leave(second);
    await retired;
    expect(events).toEqual(['retired old', 'replace resolved']);
    expect(holder.inFlight).toBe(1);
    holder.leave(third);
  });

  it('is idle when no request is in flight on any gateway, and waits for the retirements under way', async () => {
    const events: string[] = [];
    const holder = new GatewayHolder(fakeGateway('old', events));
    const onOld = holder.enter();
    void holder.replace(fakeGateway('next', events));
    const onNext = holder.enter();
    let idle = false;
    const idled = holder.idle().then(() => (idle = true));
    holder.leave(onNext);
    await turn();
    expect(idle).toBe(false);
    holder.leave(onOld);
    await idled;
    await holder.retired();
    expect(events).toEqual(['retired old']);
  });
});
