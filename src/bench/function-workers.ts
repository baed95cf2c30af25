// Pick one function's workers out of a runtime status document, whichever
// way the user named it: name, name:qualifier, or a (qualified) ARN.
import type { RuntimeStatus, WorkerStatus } from '../control/status';

export function workersOf(status: RuntimeStatus, functionName: string): WorkerStatus[] {
  const { name, qualifier } = splitName(functionName);
  const entries = status.functions.filter((fn) => fn.name === name);
  // A version number picks that version; an alias or $LATEST cannot be told apart here: all versions count.
  const chosen = qualifier !== undefined && /^\d+$/.test(qualifier) ? entries.filter((fn) => fn.version === qualifier) : entries;
  return chosen.flatMap((fn) => fn.workers);
}

function splitName(text: string): { name: string; qualifier: string | undefined } {
  const marker = ':function:';
  const at = text.indexOf(marker);
  const local = at >= 0 ? text.slice(at + marker.length) : text;
  const colon = local.indexOf(':');
  return colon < 0 ? { name: local, qualifier: undefined } : { name: local.slice(0, colon), qualifier: local.slice(colon + 1) };
}
