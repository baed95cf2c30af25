// Lambda's own error reports, as every runtime kind must give them: the
// same checks for a handler that never answers and one whose process exits,
// whatever the language.
import { expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime';

/**
 * Two tests: `sleeper` (Timeout 1 s) never answers, `quitter` exits with
 * status 3; both must come back Unhandled with Lambda's errorType and text.
 */
export function reportsHangsAndExits(runtime: () => Runtime, sleeper: string, quitter: string): void {
  it('reports a handler that never answers as timed out', async () => {
    const result = await runtime().invoke(sleeper, '{}');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString())).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds$/),
    });
  });

  it('reports a handler that exits the process as Runtime.ExitError', async () => {
    const result = await runtime().invoke(quitter, '{}');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString())).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/),
    });
  });
}
