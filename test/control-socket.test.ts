// The state directory belongs to one runtime at a time, even when two start
// at the same instant: they would otherwise run the same stored events twice.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGroupFile } from '../src/config/load-group';
import { Runtime } from '../src/runtime';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';

describe('the state directory', () => {
  it('goes to exactly one of two runtimes started at once, and to the next after a stop', async () => {
    ensureSdk();
    const dir = tempDir('state-guard');
    const group = loadGroupFile(writeGroup(dir, [{ name: 'echo', executable: path.join(examplesDir, 'echo') }]));
    const results = await Promise.allSettled([Runtime.start({ group, http: false }), Runtime.start({ group, http: false })]);
    const started = results.filter((r): r is PromiseFulfilledResult<Runtime> => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    try {
      expect(started).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ code: 'STATE_DIR_IN_USE', message: expect.stringContaining(group.stateDir) });
      // The one that started works.
      expect((await started[0]!.invoke('echo', 'still here')).payload.toString()).toBe('still here');
    } finally {
      await Promise.all(started.map((r) => r.stop()));
    }
    const next = await Runtime.start({ group, http: false });
    await next.stop();
  });
});
